import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGrantStatement } from './clickhouse-grants.js';
import { clickhouseSchemaFiles, generateClickHouseSchemas, schemaStatements } from './clickhouse-schemas.js';

// Quiet: the sharding-key probes fail on purpose, and failures still throw.
const client = localClickHouse({ quiet: true });
const committed = async () => ({
  singleNode: await readFile(clickhouseSchemaFiles.singleNode, 'utf8'),
  cluster: await readFile(clickhouseSchemaFiles.cluster, 'utf8'),
});
const formatted = async (statement: string) =>
  (await (await client.query({ query: 'SELECT formatQuery({statement:String}) AS text', query_params: { statement }, format: 'JSONEachRow' })).json<{ text: string }>())[0]?.text;

afterAll(() => client.close());

describe('deploy/clickhouse', () => {
  it('holds what the stores create today: regenerating gives the committed files', async () => {
    expect(await generateClickHouseSchemas({ client })).toEqual(await committed());
  });

  it('has only statements the server parses, ON CLUSTER and Replicated engines included', async () => {
    const { singleNode, cluster } = await committed();
    const statements = [...schemaStatements(singleNode), ...schemaStatements(cluster)];
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      await expect(formatted(statement), statement).resolves.toMatch(/^(?:CREATE|GRANT) /);
    }
    expect(schemaStatements(cluster).filter((statement) => /ENGINE = Distributed\(/.test(statement))).toHaveLength(
      schemaStatements(cluster).filter((statement) => /ENGINE = Replicated\w*MergeTree\(/.test(statement)).length,
    );
  });

  describe('applied as the single-node schema', () => {
    const database = `schema_apply_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const inDatabase = (statement: string) => statement.replaceAll(/\btributary\b/g, database);

    beforeAll(async () => {
      // The local server has no access management: the roles and grants are applied by managed-schema.int.spec.ts on a secure one.
      for (const statement of schemaStatements((await committed()).singleNode).filter((statement) => !isGrantStatement(statement))) {
        await client.command({ query: inDatabase(statement) });
      }
    });
    afterAll(() => client.command({ query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: database } }));

    it('creates every table and view the stores use', async () => {
      const tables = await (
        await client.query({ query: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', query_params: { db: database }, format: 'JSONEachRow' })
      ).json<{ name: string }>();
      const { singleNode } = await committed();
      expect(tables.map(({ name }) => name)).toEqual(
        schemaStatements(singleNode)
          .flatMap((statement) => /^CREATE (?:TABLE|VIEW) IF NOT EXISTS tributary\.(\w+)/.exec(statement)?.[1] ?? [])
          .sort(),
      );
    });

    // A Distributed table needs its cluster, which this server lacks; but the
    // server checks the sharding key against the table's columns first.
    it("shards each table by an expression of that table's columns", async () => {
      const distributed = schemaStatements((await committed()).cluster).flatMap((statement) => {
        const match = /CREATE TABLE IF NOT EXISTS tributary\.(\w+) ON CLUSTER (\w+) AS .*\nENGINE = Distributed\('\w+', 'tributary', '\w+', (.+)\)$/.exec(statement);
        return match ? [{ table: match[1] ?? '', cluster: match[2] ?? '', key: match[3] ?? '' }] : [];
      });
      expect(distributed.length).toBeGreaterThan(5);
      for (const { table, cluster, key } of distributed) {
        const probe = `CREATE TABLE ${database}.${table}_probe AS ${database}.${table} ENGINE = Distributed('${cluster}', '${database}', '${table}', ${key})`;
        await expect(client.command({ query: probe }), table).rejects.toThrow(/Requested cluster '\w+' not found/);
      }
      const broken = `CREATE TABLE ${database}.events_raw_probe AS ${database}.events_raw ENGINE = Distributed('tributary', '${database}', 'events_raw', cityHash64(no_such_column))`;
      await expect(client.command({ query: broken })).rejects.toThrow(/no_such_column/);
    });
  });
});
