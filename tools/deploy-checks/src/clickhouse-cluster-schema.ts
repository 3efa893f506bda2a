/**
 * Turns the single-node ClickHouse schema the stores create (as `SHOW CREATE
 * TABLE` prints it) into the schema of a replicated, sharded cluster: each
 * table becomes a `<table>_local` Replicated*MergeTree on every node, and a
 * `Distributed` table under the service's own table name, so services keep
 * reading and writing the names they know.
 */

/** How a table is spread over the shards, and why that key. */
export interface ShardingKey {
  /** A ClickHouse expression over the table's columns. */
  readonly expression: string;
  readonly why: string;
}

/**
 * The sharding key of every table the stores create, by table name (a trailing
 * `*` matches a prefix). A ReplacingMergeTree collapses copies of a row only
 * within one shard, so each key holds every column of the table's identity
 * that decides which rows are copies: all copies land on one shard.
 */
export const clickhouseShardingKeys: Readonly<Record<string, ShardingKey>> = {
  events_raw: {
    expression: 'cityHash64(event_id)',
    why: 'a redelivered event lands where its first copy did; spreads evenly (no hot airport)',
  },
  'features_*': {
    expression: 'cityHash64(entity_id)',
    why: "an entity's snapshots stay on one shard, so rewritten snapshots collapse and its history is read from one place",
  },
  drift_predictions: {
    expression: 'cityHash64(event_id)',
    why: 'copies collapse on one shard; a prediction sits beside its flight (drift_flights shards by the same id), so the window join is shard-local',
  },
  drift_flights: {
    expression: 'cityHash64(departed_event_id)',
    why: "a flight's departure and arrival rows meet on one shard, beside its predictions",
  },
  drift_reports: {
    expression: 'cityHash64(model_name)',
    why: "a report's revisions collapse on one shard; small table",
  },
  drift_training_requests: {
    expression: 'cityHash64(model_name)',
    why: "a model's requests and their results (drift_training_results) share a shard",
  },
  drift_training_results: {
    expression: 'cityHash64(model_name)',
    why: "a model's results sit beside its requests",
  },
  batch_score_rows: {
    expression: 'cityHash64(job_id, chunk)',
    why: 'a chunk is one INSERT: it goes to one shard as one block, so it is there whole or not at all',
  },
  batch_score_jobs: {
    expression: 'cityHash64(job_id)',
    why: "a job's status updates collapse on one shard",
  },
};

/** The sharding key of `table`; throws for a table nobody chose one for, so a new table cannot slip into the cluster schema unsharded. */
export function shardingKeyOf(table: string): ShardingKey {
  const key =
    clickhouseShardingKeys[table] ??
    Object.entries(clickhouseShardingKeys).find(([pattern]) => pattern.endsWith('*') && table.startsWith(pattern.slice(0, -1)))?.[1];
  if (key === undefined) throw new Error(`no sharding key chosen for ClickHouse table ${table}: add it to clickhouseShardingKeys`);
  return key;
}

/** Options of {@link clusterStatements}. */
export interface ClusterStatementsOptions {
  /** The database of the statement. */
  readonly database: string;
  /** The cluster of `remote_servers` the statements run `ON CLUSTER` and the Distributed tables span. */
  readonly cluster: string;
}

const CREATE_HEAD = /^CREATE (TABLE|VIEW) (\w+)\.(\w+)\n/;
const ENGINE_LINE = /^ENGINE = (\w*MergeTree)(?:\((.*)\))?$/m;

/**
 * The cluster statements of one single-node `CREATE TABLE` or `CREATE VIEW`
 * (as `SHOW CREATE TABLE` prints it, database qualified): for a table, its
 * replicated local table and the Distributed table over it; for a view, the
 * same view on every node (it reads the Distributed tables).
 */
export function clusterStatements(create: string, options: ClusterStatementsOptions): string[] {
  const { database, cluster } = options;
  const head = CREATE_HEAD.exec(create);
  if (head === null) throw new Error(`not a database-qualified CREATE TABLE or VIEW: ${create.slice(0, 80)}`);
  const [whole, kind, , table = ''] = head;
  const body = create.slice(whole.length);
  if (kind === 'VIEW') return [`CREATE VIEW IF NOT EXISTS ${database}.${table} ON CLUSTER ${cluster}\n${body}`];

  const engine = ENGINE_LINE.exec(body);
  if (engine === null) throw new Error(`table ${table} is not of the MergeTree family; no replicated form is known for it`);
  const [engineLine, family = '', args] = engine;
  const replicatedArgs = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(args ? [args] : [])].join(', ');
  const local = `${table}_local`;
  const { expression, why } = shardingKeyOf(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${local} ON CLUSTER ${cluster}\n${body.replace(engineLine, `ENGINE = Replicated${family}(${replicatedArgs})`)}`,
    `-- ${table}: sharded by ${expression}: ${why}\n` +
      `CREATE TABLE IF NOT EXISTS ${database}.${table} ON CLUSTER ${cluster} AS ${database}.${local}\n` +
      `ENGINE = Distributed('${cluster}', '${database}', '${local}', ${expression})`,
  ];
}
