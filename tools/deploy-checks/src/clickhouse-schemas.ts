import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { createDriftMonitorStore } from '@tributary/drift';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import { createRawEventStore } from '@tributary/ingest';
import { createScoringStore } from '@tributary/scoring';
import { clusterStatements } from './clickhouse-cluster-schema.js';
import { grantStatements } from './clickhouse-grants.js';
import { fromRoot } from './workspace.js';

/** Where the generated schema files live, and their names. */
export const clickhouseSchemaFiles = {
  singleNode: fromRoot('deploy', 'clickhouse', 'single-node.sql'),
  cluster: fromRoot('deploy', 'clickhouse', 'cluster.sql'),
} as const;

/** Options of {@link generateClickHouseSchemas}. */
export interface GenerateClickHouseSchemasOptions {
  /** A server the stores may create a scratch database on (dropped again). */
  readonly client: ClickHouseClient;
  /** The database the statements name. Default `tributary`, the services' default `CLICKHOUSE_DATABASE`. */
  readonly database?: string;
  /** The cluster of the cluster schema's `ON CLUSTER` and Distributed tables. Default `tributary`. */
  readonly cluster?: string;
}

/** Both schemas as SQL files' text: statements separated by `;` and a blank line. */
export interface ClickHouseSchemas {
  readonly singleNode: string;
  readonly cluster: string;
}

const HEADER = (what: string) =>
  `-- ${what}\n` +
  '-- Generated from the stores the services run (events_raw, features_*, drift_*, batch_score*)\n' +
  '-- and the grants of libs/infra platformPrincipals (a role per service, no CREATE: CLICKHOUSE_MANAGE_SCHEMA=false):\n' +
  '-- do not edit; regenerate with `npm run clickhouse-schemas -w @tributary/deploy-checks` (deploy/README.md).\n\n';

/**
 * Lets every store create its schema in a scratch database on `client`, reads
 * each table back with `SHOW CREATE TABLE` and writes it out twice: as is
 * (today's single-node default) and rewritten for a replicated, sharded
 * cluster (see {@link clusterStatements}). Tables before views, each in name
 * order, then a role per service with the grants of its tables (see
 * {@link grantStatements}), for services that do not create their schema.
 */
export async function generateClickHouseSchemas(options: GenerateClickHouseSchemasOptions): Promise<ClickHouseSchemas> {
  const { client, database = 'tributary', cluster = 'tributary' } = options;
  const scratch = `schema_${randomUUID().replaceAll('-', '')}`;
  try {
    await createRawEventStore({ client, database: scratch }).ensureSchema();
    await createOfflineStore({ client, database: scratch, featureSet: flightFeatureSet }).ensureSchema();
    await createDriftMonitorStore({ client, database: scratch }).ensureSchema();
    await createScoringStore({ client, database: scratch }).ensureSchema();

    const tables = await (
      await client.query({
        query: "SELECT name, engine = 'View' AS view FROM system.tables WHERE database = {db:String} ORDER BY view, name",
        query_params: { db: scratch },
        format: 'JSONEachRow',
      })
    ).json<{ name: string; view: number }>();
    const kinds = tables.map(({ name, view }) => ({ name, view: view === 1 }));
    const creates: string[] = [];
    for (const { name } of tables) {
      const result = await client.query({ query: 'SHOW CREATE TABLE {db:Identifier}.{table:Identifier}', query_params: { db: scratch, table: name }, format: 'TabSeparatedRaw' });
      creates.push((await result.text()).trimEnd().replaceAll(`${scratch}.`, `${database}.`));
    }
    const singleNode = creates.map((create) => create.replace(/^CREATE (TABLE|VIEW) /, 'CREATE $1 IF NOT EXISTS '));
    const clustered = [
      `CREATE DATABASE IF NOT EXISTS ${database} ON CLUSTER ${cluster}`,
      ...creates.flatMap((create) => clusterStatements(create, { database, cluster })),
      ...grantStatements(kinds, { database, cluster }),
    ];
    return {
      singleNode: HEADER('ClickHouse schema of one server: what the services create at start.') + [`CREATE DATABASE IF NOT EXISTS ${database}`, ...singleNode, ...grantStatements(kinds, { database })].join(';\n\n') + ';\n',
      cluster:
        HEADER(`ClickHouse schema of a replicated, sharded cluster '${cluster}': <table>_local replicas, <table> Distributed.`) +
        clustered.join(';\n\n') +
        ';\n',
    };
  } finally {
    await client.command({ query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: scratch } });
  }
}

/** The statements of a schema file, comments kept, without the terminating `;`. */
export function schemaStatements(sql: string): string[] {
  return sql
    .split(/;\n(?:\n|$)/)
    .map((statement) => statement.replace(/^(?:--.*\n)+\n/, '').trim())
    .filter((statement) => statement !== '');
}
