import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { DriftReport, ModelVersion } from '@tributary/contracts';
import { DriftStoreError, type DriftMonitorStore, type ServedPredictionBucket } from '@tributary/drift';
import { InvalidReportRangeError, NoLoopReportDataError } from './errors.js';

/** Everything the loop report charts and lists, as read from the drift monitor's tables and the registry. */
export interface LoopReportData {
  readonly modelName: string;
  /** The range of event time charted, ms: the one asked for, or the windows' extent where left open. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Latest revision of each window's report (per version) inside the range, oldest window first. */
  readonly reports: readonly DriftReport[];
  /** Answers per version, tier and bucket of departure time in the range. */
  readonly serving: readonly ServedPredictionBucket[];
  /** Width of the serving buckets, ms. */
  readonly servingBucketMs: number;
  /** The registry's versions of the model; undefined when the registry was not asked or not reached. */
  readonly versions: readonly ModelVersion[] | undefined;
}

/** Options of {@link loadLoopReport}. */
export interface LoadLoopReportOptions {
  /** The drift monitor's store (its `reports` and `servedPredictions`). */
  readonly store: Pick<DriftMonitorStore, 'database' | 'reports' | 'servedPredictions'>;
  readonly modelName: string;
  /** Only windows starting at or after this event time, ms. Default: the first window reported. */
  readonly fromMs?: number;
  /** Only windows ending at or before this event time, ms. Default: the last window reported. */
  readonly toMs?: number;
  /** The registry's versions of the model, when it could be asked. Default: none (the versions are then those the reports name). */
  readonly versions?: readonly ModelVersion[];
  /** At most this many window reports, the latest kept. Default: 5,000 (two years of daily windows of three versions). */
  readonly maxReports?: number;
}

const HOUR_MS = 3_600_000;
/** Serving bucket widths, the smallest that keeps the chart to about 200 bars is taken. */
const BUCKETS_MS = [HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS];
const MAX_BUCKETS = 200;

/** Serving bucket width for a range: an hour for a few days, up to a week for years. */
export function servingBucketMs(fromMs: number, toMs: number): number {
  return BUCKETS_MS.find((width) => (toMs - fromMs) / width <= MAX_BUCKETS) ?? (BUCKETS_MS[BUCKETS_MS.length - 1] as number);
}

/** ClickHouse's answer for a database or table that does not exist. */
function isMissingTable(cause: unknown): boolean {
  const type = (cause as { type?: unknown } | undefined)?.type;
  return type === 'UNKNOWN_DATABASE' || type === 'UNKNOWN_TABLE';
}

const windowOf = (report: DriftReport) => ({
  startMs: report.window?.startTime ? timestampMs(report.window.startTime) : Number.NaN,
  endMs: report.window?.endTime ? timestampMs(report.window.endTime) : Number.NaN,
});

/**
 * Reads what the loop report shows of `modelName` over a range of event time:
 * the drift monitor's reports of the windows that lie inside it and the
 * answers served in it. Throws {@link NoLoopReportDataError} when no window
 * was reported there, {@link InvalidReportRangeError} for a reversed range.
 */
export async function loadLoopReport(options: LoadLoopReportOptions): Promise<LoopReportData> {
  const { store, modelName, fromMs, toMs, versions, maxReports = 5_000 } = options;
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) throw new InvalidReportRangeError(fromMs, toMs);
  const noData = new NoLoopReportDataError(modelName, fromMs, toMs, store.database);
  const newestFirst = await store
    .reports({
      modelName,
      limit: maxReports,
      ...(fromMs === undefined ? {} : { windowStartFromMs: fromMs }),
      ...(toMs === undefined ? {} : { windowEndUntilMs: toMs }),
    })
    .catch((error: unknown) => {
      // No monitor ever wrote to this database (e.g. a namespace no demo ran in): no window, not a failure.
      throw error instanceof DriftStoreError && isMissingTable(error.cause) ? noData : error;
    });
  if (newestFirst.length === 0) throw noData;
  const reports = newestFirst
    .map((report) => ({ report, window: windowOf(report) }))
    .sort((a, b) => a.window.startMs - b.window.startMs || a.window.endMs - b.window.endMs || a.report.modelVersion - b.report.modelVersion);
  const from = fromMs ?? Math.min(...reports.map((r) => r.window.startMs));
  const to = toMs ?? Math.max(...reports.map((r) => r.window.endMs));
  const bucketMs = servingBucketMs(from, to);
  const serving = await store.servedPredictions({ modelName, fromMs: from, toMs: to, bucketMs });
  return { modelName, fromMs: from, toMs: to, reports: reports.map((r) => r.report), serving, servingBucketMs: bucketMs, versions };
}
