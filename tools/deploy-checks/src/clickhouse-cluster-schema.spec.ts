import { describe, expect, it } from 'vitest';
import { clusterStatements, shardingKeyOf } from './clickhouse-cluster-schema.js';

const options = { database: 'tributary', cluster: 'main' };
const create = (table: string, engine: string) => `CREATE TABLE db.${table}\n(\n    \`entity_id\` String\n)\nENGINE = ${engine}\nORDER BY entity_id\nSETTINGS index_granularity = 8192`;

describe('clusterStatements()', () => {
  it('makes a replicated local table keeping the engine arguments, and a Distributed table under the service name', () => {
    const [local, distributed] = clusterStatements(create('features_route', 'ReplacingMergeTree(version)'), options);
    expect(local).toBe(
      "CREATE TABLE IF NOT EXISTS tributary.features_route_local ON CLUSTER main\n(\n    `entity_id` String\n)\n" +
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)\nORDER BY entity_id\nSETTINGS index_granularity = 8192",
    );
    expect(distributed).toMatch(
      /\nCREATE TABLE IF NOT EXISTS tributary\.features_route ON CLUSTER main AS tributary\.features_route_local\nENGINE = Distributed\('main', 'tributary', 'features_route_local', cityHash64\(entity_id\)\)$/,
    );
  });

  it('replicates an engine without arguments', () => {
    expect(clusterStatements(create('events_raw', 'MergeTree'), options)[0]).toContain("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\n");
  });

  it('keeps a view as it is, on every node', () => {
    expect(clusterStatements('CREATE VIEW db.v\nAS SELECT 1', options)).toEqual(['CREATE VIEW IF NOT EXISTS tributary.v ON CLUSTER main\nAS SELECT 1']);
  });

  it('refuses a table nobody chose a sharding key for, and an engine it cannot replicate', () => {
    expect(() => clusterStatements(create('new_table', 'MergeTree'), options)).toThrow(/no sharding key chosen for ClickHouse table new_table/);
    expect(() => clusterStatements(create('events_raw', 'Memory'), options)).toThrow(/not of the MergeTree family/);
  });
});

describe('shardingKeyOf()', () => {
  it('matches a table prefix', () => {
    expect(shardingKeyOf('features_airport').expression).toBe('cityHash64(entity_id)');
  });
});
