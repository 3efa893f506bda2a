import { timestampMs } from '@bufbuild/protobuf/wkt';
import { FeatureKind, ServingTier, type DriftReport, type FeatureDrift } from '@tributary/contracts';
import { eventTimeText } from './event-time-text.js';
import type { LoopReportData } from './load-loop-report.js';

/** A window's value of one version, charted at the window's middle; `label` is the mark's accessible text. */
interface WindowPoint {
  readonly windowMidMs: number;
  readonly version: string;
  readonly label: string;
}

/** A window's realised AUC of one version. */
export interface AucPoint extends WindowPoint {
  readonly auc: number;
  /** Outcomes it was measured on: a fallback model that answered a few flights gets a noisy AUC. */
  readonly outcomes: number;
}

/** A version's AUC on its training holdout, the level its realised AUC is compared with. */
export interface HoldoutAuc {
  readonly version: string;
  readonly auc: number;
  readonly label: string;
}

/** A window's mean predicted probability, or its observed late share, of one version. */
export interface CalibrationPoint extends WindowPoint {
  readonly series: 'predicted late share' | 'observed late share';
  readonly share: number;
}

/** A window's share of drifted features for one version. */
export interface DriftSharePoint extends WindowPoint {
  readonly driftShare: number;
}

/** The effect-size statistic of a feature's kind: what the monitor judges large windows by. */
export type EffectStatistic = 'normed Wasserstein' | 'Jensen–Shannon';

/** A window's effect size of one feature for one version, and whether the monitor judged it drifted. */
export interface FeatureEffectPoint extends WindowPoint {
  readonly feature: string;
  readonly statistic: EffectStatistic;
  readonly value: number;
  readonly drifted: boolean;
}

/** The threshold the monitor judged an effect statistic by. */
export interface EffectThreshold {
  readonly statistic: EffectStatistic;
  readonly threshold: number;
}

/** Answers of one version and tier in one bucket of departure time, stacked on the bucket's earlier series. */
export interface ServingBar {
  readonly startMs: number;
  readonly endMs: number;
  readonly series: string;
  readonly predictions: number;
  /** Where the bar starts and ends in the bucket's stack: the answers of the series drawn below it, and those plus its own. */
  readonly stackBottom: number;
  readonly stackTop: number;
  readonly label: string;
}

/** Where a version starts answering as the primary model: a promotion reaching inference. */
export interface Takeover {
  readonly timeMs: number;
  readonly version: string;
  readonly label: string;
}

/** The rows of every chart of the loop report. */
export interface LoopChartRows {
  readonly auc: readonly AucPoint[];
  readonly holdoutAuc: readonly HoldoutAuc[];
  readonly calibration: readonly CalibrationPoint[];
  readonly driftShare: readonly DriftSharePoint[];
  readonly driftShareThreshold: number | undefined;
  readonly featureEffects: readonly FeatureEffectPoint[];
  readonly effectThresholds: readonly EffectThreshold[];
  readonly serving: readonly ServingBar[];
  readonly takeovers: readonly Takeover[];
}

/** Options of {@link loopChartRows}. */
export interface LoopChartRowsOptions {
  /** Features charted per effect statistic, those with the largest effect in the range. Default: 4. */
  readonly topFeatures?: number;
}

const TIER_NAMES: Readonly<Record<number, string>> = {
  [ServingTier.PRIMARY]: 'primary',
  [ServingTier.FALLBACK_MODEL]: 'fallback model',
  [ServingTier.RULES]: 'rules',
  [ServingTier.DEFAULT]: 'default',
};

/** `2001-05-21 00:00 → 05-22 00:00`. */
export function windowText(report: DriftReport): string {
  const start = eventTimeText(report.window?.startTime ? timestampMs(report.window.startTime) : Number.NaN);
  const end = eventTimeText(report.window?.endTime ? timestampMs(report.window.endTime) : Number.NaN);
  return `${start} → ${start.slice(0, 5) === end.slice(0, 5) ? end.slice(5) : end}`;
}

const middle = (report: DriftReport) =>
  report.window?.startTime && report.window.endTime ? (timestampMs(report.window.startTime) + timestampMs(report.window.endTime)) / 2 : Number.NaN;

/** The effect size of a feature's drift: normed Wasserstein for numeric features, Jensen–Shannon for categorical ones. */
function effectOf(feature: FeatureDrift): { statistic: EffectStatistic; value: number } | undefined {
  // A feature the monitor does not judge in such a window (e.g. the day of week in a day) differs by construction.
  if (feature.decidedBy === 'unjudged') return undefined;
  if (feature.kind === FeatureKind.NUMERIC && feature.wassersteinDistanceNormed !== undefined) return { statistic: 'normed Wasserstein', value: feature.wassersteinDistanceNormed };
  if (feature.kind === FeatureKind.CATEGORICAL && feature.jensenShannonDistance !== undefined) return { statistic: 'Jensen–Shannon', value: feature.jensenShannonDistance };
  return undefined;
}

const STATISTIC_FIELDS: Readonly<Record<EffectStatistic, string>> = { 'normed Wasserstein': 'wasserstein_distance_normed', 'Jensen–Shannon': 'jensen_shannon_distance' };
const round = (value: number, digits = 3) => value.toFixed(digits);

/**
 * Flattens the reports and served answers into the rows each chart draws, one
 * mark per row: realised AUC per window and version (with each version's
 * holdout AUC), predicted against observed late share, the dataset drift
 * share, the effect sizes of the features that moved most, and the answers
 * per version and tier with the moments a version took over as primary.
 */
export function loopChartRows(data: LoopReportData, options: LoopChartRowsOptions = {}): LoopChartRows {
  const { topFeatures = 4 } = options;
  const auc: AucPoint[] = [];
  const holdout = new Map<string, number>();
  const calibration: CalibrationPoint[] = [];
  const driftShare: DriftSharePoint[] = [];
  const effects: FeatureEffectPoint[] = [];
  const thresholds = new Map<EffectStatistic, number>();
  let driftShareThreshold: number | undefined;

  for (const report of data.reports) {
    const version = `v${report.modelVersion}`;
    const at = { windowMidMs: middle(report), version };
    const where = `${windowText(report)} ${version}`;
    const { performance } = report;
    if (performance?.auc !== undefined) auc.push({ ...at, auc: performance.auc, outcomes: performance.labelledCount, label: `${where}: realised AUC ${round(performance.auc)} (${performance.labelledCount} outcomes)` });
    if (performance?.referenceAuc !== undefined) holdout.set(version, performance.referenceAuc);
    if (performance && performance.labelledCount > 0) {
      calibration.push({ ...at, series: 'predicted late share', share: performance.predictedPositiveShare, label: `${where}: predicted late share ${round(performance.predictedPositiveShare)}` });
      calibration.push({ ...at, series: 'observed late share', share: performance.observedPositiveShare, label: `${where}: observed late share ${round(performance.observedPositiveShare)}` });
    }
    driftShare.push({ ...at, driftShare: report.driftShare, label: `${where}: drift share ${round(report.driftShare, 2)}${report.drifted ? ' (dataset drifted)' : ''}` });
    driftShareThreshold ??= report.driftShareThreshold > 0 ? report.driftShareThreshold : undefined;
    for (const feature of report.features) {
      const effect = effectOf(feature);
      if (!effect || !Number.isFinite(effect.value)) continue;
      if (feature.decidedBy === STATISTIC_FIELDS[effect.statistic]) thresholds.set(effect.statistic, feature.threshold);
      effects.push({
        ...at,
        feature: feature.featureName,
        ...effect,
        drifted: feature.drifted,
        label: `${where}: ${feature.featureName} ${effect.statistic} ${round(effect.value)}${feature.drifted ? ' (drifted)' : ''}`,
      });
    }
  }

  return {
    auc,
    holdoutAuc: [...holdout].map(([version, value]) => ({ version, auc: value, label: `${version}: holdout AUC ${round(value)}` })),
    calibration,
    driftShare,
    driftShareThreshold,
    featureEffects: effects.filter((point) => topFeaturesOf(effects, point.statistic, topFeatures).has(point.feature)),
    effectThresholds: [...thresholds].map(([statistic, threshold]) => ({ statistic, threshold })),
    ...servingRows(data),
  };
}

/** The `count` features of a statistic with the largest effect anywhere in the range. */
function topFeaturesOf(effects: readonly FeatureEffectPoint[], statistic: EffectStatistic, count: number): Set<string> {
  const largest = new Map<string, number>();
  for (const point of effects) if (point.statistic === statistic) largest.set(point.feature, Math.max(largest.get(point.feature) ?? -Infinity, point.value));
  return new Set([...largest].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, count).map(([feature]) => feature));
}

function servingRows(data: LoopReportData): Pick<LoopChartRows, 'serving' | 'takeovers'> {
  const stacked = new Map<number, number>();
  const serving = data.serving.map((bucket) => {
    const tier = TIER_NAMES[bucket.servedBy] ?? `tier ${bucket.servedBy}`;
    const isModel = bucket.servedBy === ServingTier.PRIMARY || bucket.servedBy === ServingTier.FALLBACK_MODEL;
    const series = isModel ? `v${bucket.modelVersion} ${tier}` : tier;
    const stackBottom = stacked.get(bucket.bucketStartMs) ?? 0;
    stacked.set(bucket.bucketStartMs, stackBottom + bucket.predictions);
    return {
      startMs: bucket.bucketStartMs,
      endMs: bucket.bucketStartMs + data.servingBucketMs,
      series,
      predictions: bucket.predictions,
      stackBottom,
      stackTop: stackBottom + bucket.predictions,
      label: `${eventTimeText(bucket.bucketStartMs)}: ${bucket.predictions} answers by ${series}`,
    };
  });
  const firstAsPrimary = new Map<number, number>();
  for (const bucket of data.serving) {
    if (bucket.servedBy !== ServingTier.PRIMARY) continue;
    firstAsPrimary.set(bucket.modelVersion, Math.min(firstAsPrimary.get(bucket.modelVersion) ?? Infinity, bucket.firstDepartureMs));
  }
  const takeovers = [...firstAsPrimary]
    .sort((a, b) => a[1] - b[1])
    .map(([version, timeMs]) => ({ timeMs, version: `v${version}`, label: `v${version} answers as primary from ${eventTimeText(timeMs)}` }));
  return { serving, takeovers };
}
