import type { TopLevelSpec } from 'vega-lite';
import type { LoopChartRows } from './chart-rows.js';

/** One chart of the loop report: a Vega-Lite spec with the rows it draws inline. */
export interface LoopChart {
  /** Stable id, also the HTML anchor: `realised-auc`, `calibration`, `drift-share`, `feature-effects`, `serving`. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows and how to read it. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** Options of {@link loopChartSpecs}. */
export interface LoopChartSpecsOptions {
  /** Event time the x axes span, ms (every chart the same, so they line up). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Width of the plotting area, px. Default: 760. */
  readonly width?: number;
  /** Height of each chart's plotting area, px. Default: 200. */
  readonly height?: number;
}

/*
 * Every data mark carries its row's `label` as its accessible description
 * (`aria-label` in the SVG): readers of the page get the values, and specs can
 * check that each row became one mark. Lines only join the points and are
 * left out of the accessible tree, so each value is described once.
 */
const described = { description: { field: 'label', type: 'nominal' as const } } as const;
const silentLine = { type: 'line', aria: false, interpolate: 'linear' } as const;

/**
 * The Vega-Lite specs of the loop report, over event time: realised AUC per
 * window and version against the holdout AUC, calibration, dataset drift
 * share, the largest feature effect sizes, and the versions serving with the
 * moments each took over as primary. A chart with no rows is left out.
 */
export function loopChartSpecs(rows: LoopChartRows, options: LoopChartSpecsOptions): LoopChart[] {
  const { fromMs, toMs, width = 760, height = 200 } = options;
  const time = (field: string, title = 'event time (window middle)') =>
    ({ field, type: 'temporal' as const, title, scale: { type: 'utc' as const, domain: [fromMs, toMs] }, axis: { labelOverlap: true } });
  // A layer drawing on another layer's time scale: no domain of its own (Vega-Lite reads a rect's x and x2 domains as conflicting ones).
  const sameTime = (field: string) => ({ field, type: 'temporal' as const });
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width, height, config: { font: 'sans-serif', legend: { orient: 'right', labelLimit: 280 } } } as const;
  const version = { field: 'version', type: 'nominal' as const, title: 'version' } as const;
  const charts: LoopChart[] = [];

  if (rows.auc.length > 0) {
    charts.push({
      id: 'realised-auc',
      title: 'Realised AUC per window',
      caption: 'Each point is a window of served predictions whose outcomes are known, per model version, its area by the number of outcomes; the dashed line is the version’s holdout AUC at training.',
      spec: {
        ...base,
        layer: [
          { data: { values: [...rows.auc] }, mark: silentLine, encoding: { x: time('windowMidMs'), y: { field: 'auc', type: 'quantitative' as const, title: 'AUC', scale: { zero: false } }, color: version } },
          {
            data: { values: [...rows.auc] },
            mark: { type: 'point', filled: true },
            encoding: {
              x: time('windowMidMs'),
              y: { field: 'auc', type: 'quantitative' as const },
              color: version,
              // The area of a point grows with the outcomes behind it: a few answers of a fallback model make a small, noisy point.
              size: { field: 'outcomes', type: 'quantitative' as const, title: 'outcomes', scale: { type: 'sqrt', zero: true, range: [4, 120] } },
              ...described,
            },
          },
          { data: { values: [...rows.holdoutAuc] }, mark: { type: 'rule', strokeDash: [6, 4] }, encoding: { y: { field: 'auc', type: 'quantitative' as const }, color: version, ...described } },
        ],
      } satisfies TopLevelSpec,
    });
  }
  if (rows.calibration.length > 0) {
    const series = { field: 'series', type: 'nominal' as const, title: null, scale: { domain: ['predicted late share', 'observed late share'], range: ['#4c78a8', '#e45756'] } };
    charts.push({
      id: 'calibration',
      title: 'Calibration: predicted vs observed late share',
      caption: 'Mean predicted probability of a late arrival against the share that arrived ≥ 15 min late, per window and version (shape); the gap is what the calibration alarm judges.',
      spec: {
        ...base,
        layer: [
          { data: { values: [...rows.calibration] }, mark: silentLine, encoding: { x: time('windowMidMs'), y: { field: 'share', type: 'quantitative' as const, title: 'late share' }, color: series, detail: version } },
          { data: { values: [...rows.calibration] }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: time('windowMidMs'), y: { field: 'share', type: 'quantitative' as const }, color: series, shape: version, ...described } },
        ],
      } satisfies TopLevelSpec,
    });
  }
  if (rows.driftShare.length > 0) {
    const threshold = rows.driftShareThreshold === undefined ? [] : [{ threshold: rows.driftShareThreshold, label: `dataset drift at a share ≥ ${rows.driftShareThreshold}` }];
    charts.push({
      id: 'drift-share',
      title: 'Dataset drift share per window',
      caption: 'Share of the model’s features judged drifted in each window, per version; the dashed line is the share at which the dataset counts as drifted.',
      spec: {
        ...base,
        height: Math.round(height * 0.7),
        layer: [
          { data: { values: [...rows.driftShare] }, mark: silentLine, encoding: { x: time('windowMidMs'), y: { field: 'driftShare', type: 'quantitative' as const, title: 'drift share', scale: { domain: [0, 1] } }, color: version } },
          { data: { values: [...rows.driftShare] }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: time('windowMidMs'), y: { field: 'driftShare', type: 'quantitative' as const }, color: version, ...described } },
          { data: { values: threshold }, mark: { type: 'rule', strokeDash: [6, 4], color: '#888' }, encoding: { y: { field: 'threshold', type: 'quantitative' as const }, ...described } },
        ],
      } satisfies TopLevelSpec,
    });
  }
  if (rows.featureEffects.length > 0) {
    const panels = (['normed Wasserstein', 'Jensen–Shannon'] as const)
      .map((statistic) => ({ statistic, points: rows.featureEffects.filter((p) => p.statistic === statistic), threshold: rows.effectThresholds.find((t) => t.statistic === statistic) }))
      .filter((panel) => panel.points.length > 0)
      .map(({ statistic, points, threshold }) => {
        const feature = { field: 'feature', type: 'nominal' as const, title: statistic === 'normed Wasserstein' ? 'numeric feature' : 'categorical feature' };
        const at = { x: time('windowMidMs'), y: { field: 'value', type: 'quantitative' as const, title: statistic }, color: feature };
        return {
          title: `${statistic} (${statistic === 'normed Wasserstein' ? 'numeric features' : 'categorical features'})`,
          layer: [
            { data: { values: points }, mark: silentLine, encoding: { ...at, detail: version } },
            { data: { values: points }, mark: { type: 'point' as const, size: 50 }, encoding: { ...at, color: { ...feature, legend: null }, ...described } },
            // Drifted points filled in: drawn again on top, described once by the layer below.
            { data: { values: points }, transform: [{ filter: 'datum.drifted' }], mark: { type: 'point' as const, size: 50, filled: true, opacity: 1, aria: false }, encoding: { ...at, color: { ...feature, legend: null } } },
            { data: { values: threshold ? [{ threshold: threshold.threshold, label: `${statistic} drift threshold ${threshold.threshold}` }] : [] }, mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#888' }, encoding: { y: { field: 'threshold', type: 'quantitative' as const }, ...described } },
          ],
          resolve: { scale: { color: 'independent' as const } },
        };
      });
    charts.push({
      id: 'feature-effects',
      title: 'Feature drift: the largest effect sizes',
      caption: 'Effect size of the features that moved most against the version’s training data, per window: normed Wasserstein distance (in reference standard deviations) for numeric features, Jensen–Shannon distance for categorical ones; filled points were judged drifted, the dashed line is the monitor’s threshold.',
      spec: { $schema: base.$schema, config: base.config, vconcat: panels.map((panel) => ({ width, height: Math.round(height * 0.8), ...panel })) } satisfies TopLevelSpec,
    });
  }
  if (rows.serving.length > 0) {
    charts.push({
      id: 'serving',
      title: 'Model versions serving',
      caption: 'Answers given to clients per bucket of departure time, by version and tier (shadow answers left out); a dashed line marks where a version started answering as the primary model — where a promotion reached inference.',
      spec: {
        ...base,
        layer: [
          {
            data: { values: [...rows.serving] },
            mark: { type: 'rect' },
            encoding: {
              x: sameTime('startMs'),
              x2: { field: 'endMs' },
              y: { field: 'stackTop', type: 'quantitative' as const, title: 'answers' },
              y2: { field: 'stackBottom' },
              color: { field: 'series', type: 'nominal' as const, title: 'served by' },
              ...described,
            },
          },
          { data: { values: [...rows.takeovers] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#222', strokeWidth: 1.5 }, encoding: { x: time('timeMs', 'event time (departure)'), ...described } },
          { data: { values: [...rows.takeovers] }, mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 2, fontWeight: 'bold', aria: false }, encoding: { x: sameTime('timeMs'), y: { value: 0 }, text: { field: 'version' } } },
        ],
      } satisfies TopLevelSpec,
    });
  }
  return charts;
}
