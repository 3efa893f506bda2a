/** Spec fixtures of the loop report: three daily windows in which v2 hands over to v4, and the answers served. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DriftReportSchema, FeatureKind, type FeatureDriftSchema, ModelVersionSchema, ServingTier, type DriftReport, type ModelVersion } from '@tributary/contracts';
import type { ServedPredictionBucket } from '@tributary/drift';
import type { LoopReportData } from '../load-loop-report.js';

type FeatureInit = MessageInitShape<typeof FeatureDriftSchema>;

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const T0 = Date.UTC(2001, 4, 21);
/** A feature name that would break the page if it were not escaped. */
export const HOSTILE_FEATURE = '<script>alert("x")</script> & co';

const numeric = (featureName: string, value: number, drifted = false): FeatureInit => ({
  featureName,
  kind: FeatureKind.NUMERIC,
  wassersteinDistanceNormed: value,
  decidedBy: 'wasserstein_distance_normed',
  threshold: 1,
  drifted,
});
const categorical = (featureName: string, value: number): FeatureInit => ({
  featureName,
  kind: FeatureKind.CATEGORICAL,
  jensenShannonDistance: value,
  decidedBy: 'jensen_shannon_distance',
  threshold: 0.2,
  drifted: value >= 0.2,
});

/** A window's report of one version. */
export function windowReport(day: number, version: number, values: { auc?: number; predicted: number; observed: number; driftShare: number; alert?: boolean; features: FeatureInit[] }): DriftReport {
  return create(DriftReportSchema, {
    reportId: `report-${day}-v${version}`,
    modelName: 'flight-delay',
    modelVersion: version,
    window: { startTime: timestampFromMs(T0 + day * DAY_MS), endTime: timestampFromMs(T0 + (day + 1) * DAY_MS) },
    sampleCount: 2000,
    features: values.features,
    driftShare: values.driftShare,
    driftShareThreshold: 0.5,
    drifted: values.driftShare >= 0.5,
    performance: {
      labelledCount: 1900,
      ...(values.auc === undefined ? {} : { auc: values.auc }),
      predictedPositiveShare: values.predicted,
      observedPositiveShare: values.observed,
      calibrationGap: values.observed - values.predicted,
      referenceAuc: version === 2 ? 0.697 : 0.708,
    },
    alert: values.alert ?? false,
    reasons: values.alert ? [{ rule: 'calibration_gap', value: values.observed - values.predicted, threshold: 0.04, detail: 'late share' }] : [],
    revision: 1,
  });
}

/** Reports of 21–23 May: v2 alone on the 21st, v2 and v4 on the 22nd (the swap), v4 alone on the 23rd. */
export function sampleReports(): DriftReport[] {
  const features = (shift: number) => [
    numeric('origin_delay_mean_7d', 0.4 + shift, shift > 0.5),
    numeric('route_late_share_7d', 0.3 + shift / 2),
    numeric('distance', 0.05),
    numeric('dest_departures_1h', 0.2),
    numeric('origin_departures_1h', 0.25),
    numeric(HOSTILE_FEATURE, 0.9),
    { ...numeric('day_of_week', 1.8), decidedBy: 'unjudged', threshold: 0 },
    categorical('origin', 0.05 + shift / 10),
    categorical('destination', 0.04),
  ];
  return [
    windowReport(0, 2, { auc: 0.671, predicted: 0.193, observed: 0.284, driftShare: 0.1, alert: true, features: features(0.2) }),
    windowReport(1, 2, { auc: 0.689, predicted: 0.19, observed: 0.28, driftShare: 0.12, alert: true, features: features(0.6) }),
    windowReport(1, 4, { auc: 0.724, predicted: 0.199, observed: 0.264, driftShare: 0.15, features: features(0.4) }),
    windowReport(2, 4, { predicted: 0.21, observed: 0.228, driftShare: 0.6, features: features(0.9) }),
  ];
}

/** Answers per hour: v2 primary (with its fallback v1 once) until 22 May 08:30, then v4; a rules answer on the 22nd. */
export function sampleServing(): ServedPredictionBucket[] {
  const bucket = (hours: number, modelVersion: number, servedBy: ServingTier, predictions: number, firstMinute = 0) => ({
    bucketStartMs: T0 + hours * HOUR_MS,
    modelVersion,
    servedBy,
    predictions,
    firstDepartureMs: T0 + hours * HOUR_MS + firstMinute * 60_000,
  });
  return [
    bucket(0, 2, ServingTier.PRIMARY, 80, 5),
    bucket(1, 2, ServingTier.PRIMARY, 70),
    bucket(1, 1, ServingTier.FALLBACK_MODEL, 3),
    bucket(32, 2, ServingTier.PRIMARY, 40),
    bucket(32, 4, ServingTier.PRIMARY, 45, 30),
    bucket(33, 0, ServingTier.RULES, 2),
    bucket(50, 4, ServingTier.PRIMARY, 90),
  ];
}

export function sampleVersions(): ModelVersion[] {
  const version = (n: number, role: string, auc: number, aliases: string[], tags: Record<string, string> = {}) =>
    create(ModelVersionSchema, { modelName: 'flight-delay', version: n, modelType: role === 'primary' ? 'gbdt' : 'logistic_regression', metrics: { holdout_auc: auc }, tags: { role, ...tags }, aliases });
  return [version(1, 'fallback', 0.678, []), version(2, 'primary', 0.697, []), version(3, 'fallback', 0.7013, []), version(4, 'primary', 0.7078, ['champion'], { drift_report_id: 'report-0-v2' })];
}

/** The three days with the registry's versions. */
export function sampleData(overrides: Partial<LoopReportData> = {}): LoopReportData {
  return { modelName: 'flight-delay', fromMs: T0, toMs: T0 + 3 * DAY_MS, reports: sampleReports(), serving: sampleServing(), servingBucketMs: HOUR_MS, versions: sampleVersions(), ...overrides };
}

/** The accessible texts of the data marks of an SVG Vega rendered: one per mark item (axes, legends and containers carry theirs on groups). */
export function markLabels(svg: string): string[] {
  const unescape = (text: string) => text.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
  return [...svg.matchAll(/<(?:path|line|rect|text)\b[^>]*\baria-label="([^"]*)"/g)].map((match) => unescape(match[1] as string));
}
