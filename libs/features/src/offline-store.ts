import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { InvalidFeatureDefinitionError, OfflineStoreError, UnknownFeatureError } from './errors.js';
import type { FeatureDefinition, FeatureSet } from './feature-set.js';
import type { FeatureSnapshot } from './feature-snapshot.js';
import { featureMetrics } from './metrics.js';
import { RowBinaryWriter } from '@tributary/row-binary';
import { buildTrainingSet, type TrainingSet, type TrainingSetRequest } from './training-set.js';

/** Options of {@link createOfflineStore}. */
export interface OfflineStoreOptions<Definitions extends readonly FeatureDefinition[]> {
  readonly client: ClickHouseClient;
  readonly featureSet: FeatureSet<Definitions>;
  /** Database of the feature tables, created when missing. Default `tributary`. */
  readonly database?: string;
  /** Tables are `<tablePrefix>_<entity type>`. Default `features`. */
  readonly tablePrefix?: string;
  /** Rows per INSERT; larger writes are split. Default 250 000. */
  readonly maxRowsPerInsert?: number;
}

/**
 * Feature values over time in ClickHouse: one wide table per entity type
 * (entity id, event time, feature set version, one Float64 column per
 * feature), a ReplacingMergeTree keyed by (version, entity id, event time) so
 * writing the same snapshot twice leaves one row.
 */
export interface OfflineStore<Definitions extends readonly FeatureDefinition[]> {
  readonly database: string;
  readonly featureSet: FeatureSet<Definitions>;
  /** The quoted `database`.`table` of an entity type. */
  tableOf(entityType: string): string;
  /** Creates the database and tables and adds missing feature columns; safe to repeat and to race. */
  ensureSchema(): Promise<void>;
  /** Inserts snapshots in RowBinary batches, stamped with the feature set version. */
  write(snapshots: readonly FeatureSnapshot[]): Promise<void>;
  /** Deletes every row of this feature set version (waits for the mutation), e.g. before a backfill rebuilds them. */
  deleteVersion(): Promise<void>;
  /** A point-in-time correct training set; see {@link TrainingSetRequest}. */
  buildTrainingSet(request: TrainingSetRequest<Definitions>): Promise<TrainingSet>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;

/** Creates the offline store; call `ensureSchema()` once before writing. */
export function createOfflineStore<Definitions extends readonly FeatureDefinition[]>(
  options: OfflineStoreOptions<Definitions>,
): OfflineStore<Definitions> {
  const { client, featureSet, database = 'tributary', tablePrefix = 'features', maxRowsPerInsert = 250_000 } = options;
  for (const name of [database, tablePrefix]) {
    if (!IDENTIFIER.test(name)) throw new InvalidFeatureDefinitionError(`${name} is not a plain ClickHouse identifier`);
  }
  const metrics = featureMetrics();
  const tableOf = (entityType: string) => {
    if (!featureSet.entityTypes.includes(entityType)) throw new UnknownFeatureError(entityType);
    return `\`${database}\`.\`${tablePrefix}_${entityType}\``;
  };
  const columnsOf = (entityType: string) => featureSet.featuresOf(entityType).map((f) => `\`${f.name}\``);

  async function ensureSchema(): Promise<void> {
    try {
      await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
      for (const entityType of featureSet.entityTypes) {
        const features = columnsOf(entityType).map((column) => `${column} Float64 DEFAULT nan`);
        await client.command({
          query: `CREATE TABLE IF NOT EXISTS ${tableOf(entityType)} (
            entity_id String,
            event_time DateTime64(3, 'UTC'),
            version LowCardinality(String),
            ${features.join(',\n            ')}
          ) ENGINE = ReplacingMergeTree
          PARTITION BY toYYYYMM(event_time)
          ORDER BY (version, entity_id, event_time)`,
        });
        // A table made by an older feature set lacks the columns of features added since.
        await client.command({ query: `ALTER TABLE ${tableOf(entityType)} ${features.map((f) => `ADD COLUMN IF NOT EXISTS ${f}`).join(', ')}` });
      }
    } catch (error) {
      throw new OfflineStoreError('schema creation', error);
    }
  }

  async function insert(entityType: string, rows: readonly FeatureSnapshot[]): Promise<void> {
    const columns = ['entity_id', 'event_time', 'version', ...columnsOf(entityType)].join(', ');
    for (let start = 0; start < rows.length; start += maxRowsPerInsert) {
      const writer = new RowBinaryWriter();
      for (const row of rows.slice(start, start + maxRowsPerInsert)) {
        writer.string(row.entityId);
        writer.int64(row.timeMs);
        writer.string(featureSet.version);
        for (const value of row.values) writer.float64(value);
      }
      try {
        const result = await client.exec({ query: `INSERT INTO ${tableOf(entityType)} (${columns}) FORMAT RowBinary`, values: Readable.from([writer.take()]) });
        await finished(result.stream.resume());
      } catch (error) {
        throw new OfflineStoreError(`insert into ${tableOf(entityType)}`, error);
      }
    }
  }

  return {
    database,
    featureSet,
    tableOf,
    ensureSchema,
    async write(snapshots) {
      const byEntity = new Map<string, FeatureSnapshot[]>();
      for (const snapshot of snapshots) {
        const list = byEntity.get(snapshot.entityType) ?? [];
        list.push(snapshot);
        byEntity.set(snapshot.entityType, list);
      }
      for (const [entityType, rows] of byEntity) await insert(entityType, rows);
      metrics.snapshotsWritten.inc({ store: 'offline' }, snapshots.length);
    },
    async deleteVersion() {
      try {
        for (const entityType of featureSet.entityTypes) {
          await client.command({
            query: `ALTER TABLE ${tableOf(entityType)} DELETE WHERE version = {version:String}`,
            query_params: { version: featureSet.version },
            clickhouse_settings: { mutations_sync: '2' },
          });
        }
      } catch (error) {
        throw new OfflineStoreError('delete version', error);
      }
    },
    buildTrainingSet(request) {
      return buildTrainingSet({ client, featureSet, tableOf }, request);
    },
  };
}
