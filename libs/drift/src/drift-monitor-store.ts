import type { ClickHouseClient } from '@clickhouse/client';
import { fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { DriftReportSchema, ServingTier, type DriftReport, type PredictionLog } from '@tributary/contracts';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { DriftStoreError, InvalidOptionsError } from './errors.js';
import type { EventTimeWindow } from './event-time-windows.js';
import type { WindowRows } from './evaluate-window.js';
import type { LastTrainingRequest } from './retraining-policy.js';

/** Options of {@link createDriftMonitorStore}. */
export interface DriftMonitorStoreOptions {
  readonly client: ClickHouseClient;
  /** Database of the tables; created if missing. Default: `tributary`. */
  readonly database?: string;
}

/** A flight as the monitor needs it: its departure event's id, when it left, and — once it arrived — whether it was late. */
export interface FlightObservation {
  /** Id of the `flight.departed` event (what a prediction's `event_id` names). */
  readonly departedEventId: string;
  readonly departureTimeMs: number;
  /** Event time of the observed event (departure, or arrival), for the watermark. */
  readonly eventTimeMs: number;
  /** 1 late, 0 on time; undefined while the flight has not arrived. */
  readonly outcome?: 0 | 1;
}

/** Which rows and columns {@link DriftMonitorStore.loadWindowRows} reads. */
export interface WindowRowsQuery {
  readonly modelName: string;
  readonly modelVersion: number;
  /** Features to read, e.g. those of the version's reference profile; the others are left out. */
  readonly featureNames: readonly string[];
}

/** How many predictions and outcomes a model version has in a window, now. */
export interface WindowCount {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly sampleCount: number;
  readonly labelledCount: number;
}

/** A training request the monitor made. */
export interface TrainingRequestRow {
  readonly requestId: string;
  readonly modelName: string;
  /** The drift report that caused it; empty for a scheduled one. */
  readonly reportId: string;
  readonly trigger: 'drift' | 'schedule';
  readonly eventTimeMs: number;
  readonly requestedAtMs: number;
}

/** A version the trainer registered for a training request. */
export interface TrainingResultRow {
  readonly requestId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly registeredAtMs: number;
}

/** A training request with what came of it: the report→version lineage. */
export interface TrainingLineage extends TrainingRequestRow {
  /** The primary version the run registered; undefined while none is. */
  readonly producedVersion: number | undefined;
}

/** Filter of {@link DriftMonitorStore.reports}. */
export interface ReportQuery {
  readonly modelName?: string;
  readonly modelVersion?: number;
  /** Only reports that raised an alarm. Default: false. */
  readonly alertsOnly?: boolean;
  /** Only this report. */
  readonly reportId?: string;
  /** Only windows ending after this event time, ms. */
  readonly sinceWindowEndMs?: number;
  /** Only windows starting at or after this event time, ms. */
  readonly windowStartFromMs?: number;
  /** Only windows ending at or before this event time, ms. */
  readonly windowEndUntilMs?: number;
  /** Most recent windows first, at most this many. Default: 100. */
  readonly limit?: number;
}

/** Which predictions {@link DriftMonitorStore.servedPredictions} counts. */
export interface ServedPredictionsQuery {
  readonly modelName: string;
  /** Departures from this event time on, ms. */
  readonly fromMs: number;
  /** Departures before this event time, ms. */
  readonly toMs: number;
  /** Width of the buckets the predictions are counted in, ms (buckets aligned to the epoch). */
  readonly bucketMs: number;
}

/** The predictions one version (or tier) answered for the flights departing in one bucket of event time. */
export interface ServedPredictionBucket {
  /** The version that answered; a rules or default answer names the version it stood in for, or 0. */
  readonly modelVersion: number;
  readonly servedBy: ServingTier;
  readonly bucketStartMs: number;
  readonly predictions: number;
  /** The earliest departure among them, ms. */
  readonly firstDepartureMs: number;
}

/**
 * The drift monitor's state in ClickHouse, which is also its checkpoint:
 * what consumers wrote before committing their offsets is what windows are
 * computed from, so a restart re-reads from the committed offsets, rewrites
 * the same rows (ReplacingMergeTree keeps one) and computes the same windows.
 */
export interface DriftMonitorStore {
  readonly database: string;
  ensureSchema(): Promise<void>;
  /** Stores predictions that name their flight's event (others cannot be joined with an outcome and are left out). */
  writePredictions(logs: readonly PredictionLog[]): Promise<void>;
  writeFlights(flights: readonly FlightObservation[]): Promise<void>;
  /** Latest event time of any flight event stored: the watermark's source. */
  maxEventTimeMs(): Promise<number | undefined>;
  /** Earliest departure of a flight with a stored prediction. */
  minPredictedDepartureMs(): Promise<number | undefined>;
  /**
   * A model version's predictions departing in `window` joined with their
   * outcomes, as columns: streamed from ClickHouse row by row into typed
   * arrays, so a window of half a million predictions never becomes one
   * JSON text or half a million objects.
   */
  loadWindowRows(window: EventTimeWindow, query: WindowRowsQuery): Promise<WindowRows>;
  /** Counts per model version in `window`, to tell whether late data changed a window. */
  countWindow(window: EventTimeWindow): Promise<WindowCount[]>;
  /** Stores a report (a newer revision replaces the older one). */
  writeReport(report: DriftReport): Promise<void>;
  /** Latest revisions of the reports, newest window first. */
  reports(query?: ReportQuery): Promise<DriftReport[]>;
  /** End of the latest window reported, event time. */
  lastWindowEndMs(): Promise<number | undefined>;
  /** Answers served to clients (shadow answers left out) per version, tier and bucket of departure time, oldest bucket first. */
  servedPredictions(query: ServedPredictionsQuery): Promise<ServedPredictionBucket[]>;
  writeTrainingRequest(row: TrainingRequestRow): Promise<void>;
  writeTrainingResult(row: TrainingResultRow): Promise<void>;
  /** Per model, its latest request and whether a version came of it. */
  lastTrainingRequests(): Promise<Map<string, LastTrainingRequest>>;
  /** Requests with the versions they produced, newest first. */
  lineage(query?: { readonly modelName?: string; readonly reportId?: string }): Promise<TrainingLineage[]>;
}

/*
 * Window queries read by the sorting keys: flights by departure time (a
 * window's flights are one range of the primary index), a version's
 * predictions by the event ids of those flights (a set the primary index
 * prunes granules with). Adding the event id and the departure time to the
 * keys changes no row's identity: a request names one event, a flight has one
 * departure time. Tables created before these keys keep theirs (CREATE … IF
 * NOT EXISTS) and stay correct, only unbounded.
 */
const TABLES = (db: string) => [
  `CREATE TABLE IF NOT EXISTS ${db}.drift_predictions (
    model_name LowCardinality(String), model_version UInt32, request_id String, shadow UInt8, alias LowCardinality(String),
    served_by UInt8, event_id String, prediction_time_ms Int64, probability Float64, features Map(String, Float64)
  ) ENGINE = ReplacingMergeTree ORDER BY (model_name, model_version, event_id, request_id, shadow)`,
  `CREATE TABLE IF NOT EXISTS ${db}.drift_flights (
    departed_event_id String, departure_time_ms Int64, event_time_ms Int64, outcome_known UInt8, late UInt8
  ) ENGINE = ReplacingMergeTree(outcome_known) ORDER BY (departure_time_ms, departed_event_id)`,
  `CREATE TABLE IF NOT EXISTS ${db}.drift_reports (
    report_id String, model_name LowCardinality(String), model_version UInt32, window_start_ms Int64, window_end_ms Int64,
    window_start DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(window_start_ms),
    window_end DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(window_end_ms),
    revision UInt32, sample_count UInt32, labelled_count UInt32, alert UInt8, drifted UInt8, drift_share Float64,
    auc Nullable(Float64), log_loss Nullable(Float64), predicted_share Nullable(Float64), observed_share Nullable(Float64),
    calibration_gap Nullable(Float64), reasons Array(String), drifted_features Array(String), report String, created_at_ms Int64
  ) ENGINE = ReplacingMergeTree(revision) ORDER BY (model_name, model_version, window_start_ms, window_end_ms)`,
  `CREATE TABLE IF NOT EXISTS ${db}.drift_training_requests (
    request_id String, model_name LowCardinality(String), report_id String, trigger LowCardinality(String), event_time_ms Int64, requested_at_ms Int64
  ) ENGINE = ReplacingMergeTree ORDER BY (model_name, request_id)`,
  `CREATE TABLE IF NOT EXISTS ${db}.drift_training_results (
    request_id String, model_name LowCardinality(String), model_version UInt32, registered_at_ms Int64
  ) ENGINE = ReplacingMergeTree ORDER BY (model_name, request_id, model_version)`,
];

/** Only model tiers are judged: a rules or default answer is no model's. */
const MODEL_TIERS = [ServingTier.PRIMARY, ServingTier.FALLBACK_MODEL];

/** Creates the store; see {@link DriftMonitorStore}. */
export function createDriftMonitorStore(options: DriftMonitorStoreOptions): DriftMonitorStore {
  const { client } = options;
  const database = options.database ?? 'tributary';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(database)) throw new InvalidOptionsError('database', `${JSON.stringify(database)} is not a plain identifier`);
  const db = database;

  const attempt = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (cause) {
      throw new DriftStoreError(operation, cause);
    }
  };
  const insert = (table: string, values: readonly object[]) =>
    values.length === 0 ? Promise.resolve() : attempt(`insert ${table}`, async () => void (await client.insert({ table: `${db}.${table}`, values: values as object[], format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } })));
  const select = <T>(operation: string, query: string, params: Record<string, unknown> = {}) =>
    attempt(operation, async () => (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>());
  const windowParams = (window: EventTimeWindow) => ({ start: window.startMs, end: window.endMs });
  const windowFlights = `SELECT departed_event_id FROM ${db}.drift_flights WHERE departure_time_ms >= {start:Int64} AND departure_time_ms < {end:Int64}`;
  const joined = `FROM ${db}.drift_predictions AS p FINAL
    INNER JOIN (SELECT departed_event_id, max(outcome_known) AS known, argMax(late, outcome_known) AS late FROM ${db}.drift_flights
      WHERE departure_time_ms >= {start:Int64} AND departure_time_ms < {end:Int64} GROUP BY departed_event_id) AS f
    ON p.event_id = f.departed_event_id
    WHERE p.served_by IN (${MODEL_TIERS.join(', ')}) AND p.event_id IN (${windowFlights})`;

  return {
    database,
    async ensureSchema() {
      await attempt('create schema', async () => {
        await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
        for (const query of TABLES(db)) await client.command({ query });
      });
    },
    async writePredictions(logs) {
      await insert(
        'drift_predictions',
        logs
          .filter((log) => log.eventId !== '')
          .map((log) => ({
            model_name: log.modelName,
            model_version: log.modelVersion,
            request_id: log.requestId,
            shadow: log.shadow ? 1 : 0,
            alias: log.alias,
            served_by: log.servedBy,
            event_id: log.eventId,
            prediction_time_ms: log.predictionTime ? timestampMs(log.predictionTime) : 0,
            probability: log.probability,
            // JSON has no NaN: a missing value is left out of the map and read back as NaN.
            features: Object.fromEntries(Object.entries(log.features).filter(([, value]) => Number.isFinite(value))),
          })),
      );
    },
    async writeFlights(flights) {
      await insert(
        'drift_flights',
        flights.map((flight) => ({
          departed_event_id: flight.departedEventId,
          departure_time_ms: flight.departureTimeMs,
          event_time_ms: flight.eventTimeMs,
          outcome_known: flight.outcome === undefined ? 0 : 1,
          late: flight.outcome ?? 0,
        })),
      );
    },
    async maxEventTimeMs() {
      const [row] = await select<{ t: string | null; n: string }>('read watermark', `SELECT max(event_time_ms) AS t, count() AS n FROM ${db}.drift_flights`);
      return row === undefined || Number(row.n) === 0 ? undefined : Number(row.t);
    },
    async minPredictedDepartureMs() {
      const [row] = await select<{ t: string; n: string }>(
        'read first departure',
        `SELECT min(f.departure_time_ms) AS t, count() AS n FROM ${db}.drift_predictions AS p INNER JOIN ${db}.drift_flights AS f ON p.event_id = f.departed_event_id`,
      );
      return row === undefined || Number(row.n) === 0 ? undefined : Number(row.t);
    },
    async loadWindowRows(window, query) {
      const { featureNames } = query;
      const params: Record<string, unknown> = { ...windowParams(window), model: query.modelName, version: query.modelVersion };
      const featureColumns = featureNames.map((name, i) => {
        params[`f${i}`] = name;
        // A key missing from the map reads as 0; the feature was missing (NaN, null in JSON).
        return `if(mapContains(p.features, {f${i}:String}), p.features[{f${i}:String}], nan)`;
      });
      const probabilities: number[] = [];
      const outcomes: number[] = [];
      const columns = featureNames.map(() => [] as number[]);
      await attempt('read window', async () => {
        const result = await client.query({
          query: `SELECT p.probability, f.known, f.late${featureColumns.map((column) => `, ${column}`).join('')} ${joined}
            AND p.model_name = {model:String} AND p.model_version = {version:UInt32}
            ORDER BY p.event_id, p.request_id`,
          query_params: params,
          format: 'JSONCompactEachRow',
        });
        for await (const rows of result.stream()) {
          for (const row of rows) {
            const [probability, known, late, ...features] = row.json<(number | null)[]>();
            probabilities.push(probability ?? Number.NaN);
            outcomes.push(Number(known) === 1 ? Number(late) : Number.NaN);
            features.forEach((value, f) => (columns[f] as number[]).push(value ?? Number.NaN));
          }
        }
      });
      const byName = new Map(featureNames.map((name, f) => [name, Float64Array.from(columns[f] as number[])]));
      return {
        rowCount: probabilities.length,
        probabilities: Float64Array.from(probabilities),
        outcomes: Float64Array.from(outcomes),
        column: (name) => byName.get(name) ?? new Float64Array(probabilities.length).fill(Number.NaN),
      };
    },
    async countWindow(window) {
      const rows = await select<{ model_name: string; model_version: number; n: string; labelled: string }>(
        'count window',
        `SELECT p.model_name AS model_name, p.model_version AS model_version, count() AS n, countIf(f.known = 1) AS labelled ${joined} GROUP BY model_name, model_version`,
        windowParams(window),
      );
      return rows.map((row) => ({ modelName: row.model_name, modelVersion: Number(row.model_version), sampleCount: Number(row.n), labelledCount: Number(row.labelled) }));
    },
    async writeReport(report) {
      const window = { startMs: report.window?.startTime ? timestampMs(report.window.startTime) : 0, endMs: report.window?.endTime ? timestampMs(report.window.endTime) : 0 };
      const { performance } = report;
      await insert('drift_reports', [
        {
          report_id: report.reportId,
          model_name: report.modelName,
          model_version: report.modelVersion,
          window_start_ms: window.startMs,
          window_end_ms: window.endMs,
          revision: report.revision,
          sample_count: report.sampleCount,
          labelled_count: performance?.labelledCount ?? 0,
          alert: report.alert ? 1 : 0,
          drifted: report.drifted ? 1 : 0,
          drift_share: report.driftShare,
          auc: performance?.auc ?? null,
          log_loss: performance?.logLoss ?? null,
          predicted_share: performance?.predictedPositiveShare ?? null,
          observed_share: performance?.observedPositiveShare ?? null,
          calibration_gap: performance?.calibrationGap ?? null,
          reasons: report.reasons.map((reason) => reason.rule),
          drifted_features: report.features.filter((feature) => feature.drifted).map((feature) => feature.featureName),
          report: toJsonString(DriftReportSchema, report),
          created_at_ms: report.createdTime ? timestampMs(report.createdTime) : Date.now(),
        },
      ]);
    },
    async reports(query = {}) {
      const conditions = ['1'];
      if (query.modelName !== undefined) conditions.push('model_name = {model:String}');
      if (query.modelVersion !== undefined) conditions.push('model_version = {version:UInt32}');
      if (query.alertsOnly) conditions.push('alert = 1');
      if (query.reportId !== undefined) conditions.push('report_id = {id:String}');
      if (query.sinceWindowEndMs !== undefined) conditions.push('window_end_ms > {since:Int64}');
      if (query.windowStartFromMs !== undefined) conditions.push('window_start_ms >= {startFrom:Int64}');
      if (query.windowEndUntilMs !== undefined) conditions.push('window_end_ms <= {endUntil:Int64}');
      const rows = await select<{ report: string }>(
        'read reports',
        `SELECT report FROM ${db}.drift_reports FINAL WHERE ${conditions.join(' AND ')} ORDER BY window_end_ms DESC, model_name, model_version LIMIT {limit:UInt32}`,
        defined({
          model: query.modelName,
          version: query.modelVersion,
          id: query.reportId,
          since: query.sinceWindowEndMs,
          startFrom: query.windowStartFromMs,
          endUntil: query.windowEndUntilMs,
          limit: query.limit ?? 100,
        }),
      );
      return rows.map((row) => fromJsonString(DriftReportSchema, row.report));
    },
    async lastWindowEndMs() {
      const [row] = await select<{ t: string; n: string }>('read last window', `SELECT max(window_end_ms) AS t, count() AS n FROM ${db}.drift_reports`);
      return row === undefined || Number(row.n) === 0 ? undefined : Number(row.t);
    },
    async servedPredictions(query) {
      if (!(Number.isInteger(query.bucketMs) && query.bucketMs > 0)) throw new InvalidOptionsError('bucketMs', `${query.bucketMs} is not a whole number of ms above 0`);
      const rows = await select<{ model_version: number; served_by: number; bucket_start_ms: string; n: string; first_ms: string }>(
        'read served predictions',
        `SELECT p.model_version AS model_version, p.served_by AS served_by, intDiv(f.departed_ms, {bucket:Int64}) * {bucket:Int64} AS bucket_start_ms,
                count() AS n, min(f.departed_ms) AS first_ms
         FROM ${db}.drift_predictions AS p FINAL
         INNER JOIN (SELECT departed_event_id, any(departure_time_ms) AS departed_ms FROM ${db}.drift_flights
           WHERE departure_time_ms >= {start:Int64} AND departure_time_ms < {end:Int64} GROUP BY departed_event_id) AS f
         ON p.event_id = f.departed_event_id
         WHERE p.model_name = {model:String} AND p.shadow = 0 AND p.event_id IN (${windowFlights})
         GROUP BY model_version, served_by, bucket_start_ms
         ORDER BY bucket_start_ms, model_version, served_by`,
        { start: query.fromMs, end: query.toMs, model: query.modelName, bucket: query.bucketMs },
      );
      return rows.map((row) => ({
        modelVersion: Number(row.model_version),
        servedBy: Number(row.served_by) as ServingTier,
        bucketStartMs: Number(row.bucket_start_ms),
        predictions: Number(row.n),
        firstDepartureMs: Number(row.first_ms),
      }));
    },
    async writeTrainingRequest(row) {
      await insert('drift_training_requests', [
        { request_id: row.requestId, model_name: row.modelName, report_id: row.reportId, trigger: row.trigger, event_time_ms: row.eventTimeMs, requested_at_ms: row.requestedAtMs },
      ]);
    },
    async writeTrainingResult(row) {
      await insert('drift_training_results', [{ request_id: row.requestId, model_name: row.modelName, model_version: row.modelVersion, registered_at_ms: row.registeredAtMs }]);
    },
    async lastTrainingRequests() {
      const rows = await this.lineage();
      const last = new Map<string, LastTrainingRequest>();
      for (const row of rows) {
        if (last.has(row.modelName)) continue;
        last.set(row.modelName, { requestId: row.requestId, eventTimeMs: row.eventTimeMs, requestedAtMs: row.requestedAtMs, completed: row.producedVersion !== undefined });
      }
      return last;
    },
    async lineage(query = {}) {
      const conditions = ['1'];
      if (query.modelName !== undefined) conditions.push('q.model_name = {model:String}');
      if (query.reportId !== undefined) conditions.push('q.report_id = {report:String}');
      const rows = await select<{ request_id: string; model_name: string; report_id: string; trigger: string; event_time_ms: string; requested_at_ms: string; version: number | null }>(
        'read lineage',
        `SELECT q.request_id AS request_id, q.model_name AS model_name, q.report_id AS report_id, q.trigger AS trigger, q.event_time_ms AS event_time_ms,
                q.requested_at_ms AS requested_at_ms, r.version AS version
         FROM ${db}.drift_training_requests AS q FINAL
         LEFT JOIN (SELECT model_name, request_id, min(model_version) AS version FROM ${db}.drift_training_results GROUP BY model_name, request_id) AS r
           ON q.model_name = r.model_name AND q.request_id = r.request_id
         WHERE ${conditions.join(' AND ')}
         ORDER BY q.requested_at_ms DESC, q.event_time_ms DESC`,
        defined({ model: query.modelName, report: query.reportId }),
      );
      return rows.map((row) => ({
        requestId: row.request_id,
        modelName: row.model_name,
        reportId: row.report_id,
        trigger: row.trigger === 'schedule' ? 'schedule' : 'drift',
        eventTimeMs: Number(row.event_time_ms),
        requestedAtMs: Number(row.requested_at_ms),
        producedVersion: row.version === null || Number(row.version) === 0 ? undefined : Number(row.version),
      }));
    },
  };
}

/** The query parameters that are set (the client would send an unset one as the text "undefined"). */
function defined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}
