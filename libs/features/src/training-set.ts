import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { InvalidTrainingSetRequestError, OfflineStoreError } from './errors.js';
import type { EntityTypeOf, FeatureDefinition, FeatureSet } from './feature-set.js';
import { RowBinaryWriter, readAlignedRows } from '@tributary/row-binary';

/** The entity of one role for every label row, e.g. the origin airport of each flight. */
export interface TrainingSetEntities<Entity extends string> {
  readonly entityType: Entity;
  /** One id per label row. */
  readonly ids: readonly string[];
}

/**
 * Label events to join features to. Row i has a label, the time it is
 * predicted at (a departure) and one entity per role. Each row gets, per role,
 * the values of the latest snapshot stamped at or before its label time —
 * which aggregates only events strictly before that stamp, so nothing at or
 * after the label time leaks in — or NaN when there is none within the
 * feature's TTL, the same rule the online store applies.
 */
export interface TrainingSetRequest<Definitions extends readonly FeatureDefinition[]> {
  /** Label time per row, ms since the epoch. */
  readonly labelTimesMs: ArrayLike<number>;
  /** Label per row, returned as a Float64Array. */
  readonly labels: ArrayLike<number>;
  /** By role (lower snake case, e.g. `origin`): the entity each row joins. Columns are `<role>.<feature>`. */
  readonly entities: Readonly<Record<string, TrainingSetEntities<EntityTypeOf<Definitions>>>>;
}

/** Columns ready for training: one Float64Array per feature, NaN for missing. */
export interface TrainingSet {
  readonly rowCount: number;
  /** `<role>.<feature>`, in role order then feature declaration order. */
  readonly featureNames: readonly string[];
  readonly columns: readonly Float64Array[];
  readonly labels: Float64Array;
  readonly labelTimesMs: Float64Array;
}

/** What {@link buildTrainingSet} needs from the offline store. */
export interface TrainingSetSource {
  readonly client: ClickHouseClient;
  readonly featureSet: FeatureSet;
  tableOf(entityType: string): string;
}

const ROLE = /^[a-z][a-z0-9_]*$/;
/** Label rows per RowBinary chunk sent to the server. */
const CHUNK_BYTES = 1 << 20;

/**
 * Builds a training set with one ASOF LEFT JOIN per role against the offline
 * store. Labels go to a session-scoped temporary table in RowBinary; every
 * value in the query is a typed parameter; the result comes back as
 * RowBinary, decoded straight into the columns.
 */
export async function buildTrainingSet(source: TrainingSetSource, request: TrainingSetRequest<readonly FeatureDefinition[]>): Promise<TrainingSet> {
  const { client, featureSet } = source;
  const rowCount = request.labelTimesMs.length;
  const roles = Object.entries(request.entities).map(([role, entities]) => ({ role, ...entities, features: featureSet.featuresOf(entities.entityType) }));
  validate(request, roles, rowCount);
  const featureNames = roles.flatMap(({ role, features }) => features.map((f) => `${role}.${f.name}`));
  const columns = featureNames.map(() => new Float64Array(rowCount));
  const labelTimesMs = Float64Array.from(request.labelTimesMs, Math.floor);
  const result = { rowCount, featureNames, columns, labels: Float64Array.from(request.labels), labelTimesMs };
  if (rowCount === 0) return result;

  const session_id = `training-set-${randomUUID()}`;
  const roleColumns = roles.map((_, r) => `e${r} String`).join(', ');
  try {
    await client.command({ session_id, query: `CREATE TEMPORARY TABLE labels (i UInt32, t DateTime64(3, 'UTC'), ${roleColumns}) ENGINE = Memory` });
    const insert = await client.exec({ session_id, query: 'INSERT INTO labels FORMAT RowBinary', values: Readable.from(labelRows(labelTimesMs, roles)) });
    await finished(insert.stream.resume());

    const { query, params } = joinQuery(source, roles, labelTimesMs);
    const selected = await client.exec({ session_id, query, query_params: params, clickhouse_settings: { join_use_nulls: 0 } });
    // Each row is the label index as a UInt64, then one Float64 per feature: all 8-byte aligned.
    const width = featureNames.length + 1;
    const rows = await readAlignedRows(selected.stream, width, (f64, u32, count) => {
      for (let r = 0; r < count; r++) {
        const base = r * width;
        const i = u32[2 * base] as number;
        for (let c = 1; c < width; c++) (columns[c - 1] as Float64Array)[i] = f64[base + c] as number;
      }
    });
    if (rows !== rowCount) throw new Error(`the join returned ${rows} rows for ${rowCount} labels`);
    return result;
  } catch (error) {
    throw new OfflineStoreError('training set join', error);
  } finally {
    await client.command({ session_id, query: 'DROP TEMPORARY TABLE IF EXISTS labels' }).catch(() => undefined);
  }
}

type Role = { readonly role: string; readonly ids: readonly string[]; readonly entityType: string; readonly features: readonly FeatureDefinition[] };

function validate(request: TrainingSetRequest<readonly FeatureDefinition[]>, roles: readonly Role[], rowCount: number): void {
  const fail = (message: string) => {
    throw new InvalidTrainingSetRequestError(message);
  };
  if (roles.length === 0) fail('a training set needs at least one entity role');
  if (request.labels.length !== rowCount) fail(`${request.labels.length} labels for ${rowCount} label times`);
  if (rowCount > 0xffff_ffff) fail(`${rowCount} rows exceed the 2^32 a training set can hold`);
  for (const { role, ids } of roles) {
    if (!ROLE.test(role)) fail(`role ${role} must be lower snake case`);
    if (ids.length !== rowCount) fail(`role ${role} has ${ids.length} ids for ${rowCount} label times`);
  }
  for (let i = 0; i < rowCount; i++) {
    if (!Number.isFinite(request.labelTimesMs[i])) fail(`label time ${i} is not a finite number`);
  }
}

function* labelRows(labelTimesMs: Float64Array, roles: readonly Role[]): Generator<Buffer> {
  const writer = new RowBinaryWriter(CHUNK_BYTES + 4096);
  for (let i = 0; i < labelTimesMs.length; i++) {
    writer.uint32(i);
    writer.int64(labelTimesMs[i] as number);
    for (const { ids } of roles) writer.string(ids[i] as string);
    if (writer.length >= CHUNK_BYTES) yield writer.take();
  }
  if (writer.length > 0) yield writer.take();
}

/**
 * `SELECT i, features… FROM labels ASOF LEFT JOIN (snapshots) ON id = entity_id AND t >= event_time`,
 * one join per role. The right side is cut to the version, the entities and
 * the time span the labels can reach (TTL included), which keeps the hash
 * tables small.
 */
function joinQuery(source: TrainingSetSource, roles: readonly Role[], labelTimesMs: Float64Array) {
  let minMs = Number.POSITIVE_INFINITY;
  let maxMs = Number.NEGATIVE_INFINITY;
  for (const t of labelTimesMs) {
    if (t < minMs) minMs = t;
    if (t > maxMs) maxMs = t;
  }
  const params: Record<string, string | number> = { version: source.featureSet.version, to_ms: maxMs };
  const selects: string[] = [];
  const joins: string[] = [];
  roles.forEach(({ entityType, features }, r) => {
    const alias = `j${r}`;
    params[`from_ms_${r}`] = minMs - Math.max(...features.map((f) => f.ttlMs));
    features.forEach((feature, f) => {
      params[`ttl_${r}_${f}`] = feature.ttlMs;
      selects.push(
        `if(${alias}.hit = 1 AND toUnixTimestamp64Milli(l.t) - toUnixTimestamp64Milli(${alias}.event_time) <= {ttl_${r}_${f}:Int64}, ${alias}.\`${feature.name}\`, nan)`,
      );
    });
    const columns = features.map((feature) => `\`${feature.name}\``).join(', ');
    joins.push(`ASOF LEFT JOIN (
      SELECT entity_id, event_time, toUInt8(1) AS hit, ${columns}
      FROM ${source.tableOf(entityType)}
      WHERE version = {version:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms_${r}:Int64}, 'UTC')
        AND event_time <= fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        AND entity_id IN (SELECT e${r} FROM labels)
    ) AS ${alias} ON l.e${r} = ${alias}.entity_id AND l.t >= ${alias}.event_time`);
  });
  const query = `SELECT toUInt64(l.i), ${selects.join(', ')} FROM labels AS l ${joins.join('\n')} FORMAT RowBinary`;
  return { query, params };
}
