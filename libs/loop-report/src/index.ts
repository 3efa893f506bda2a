/**
 * @tributary/loop-report — the closed loop seen over event time. Reads the
 * drift monitor's window reports and the answers served from ClickHouse
 * ({@link loadLoopReport}), turns them into chart rows ({@link loopChartRows})
 * and Vega-Lite specs ({@link loopChartSpecs}) — realised AUC, calibration,
 * drift share, feature effect sizes, the versions serving — renders them to
 * SVG with Vega in Node ({@link renderChartSvg}) and writes one
 * self-contained HTML page with the drift reports and the model versions
 * ({@link renderLoopReport}, {@link writeLoopReport}). The demo and
 * `tributary report` both call {@link writeLoopReport}.
 */
export {
  loopChartRows,
  windowText,
  type AucPoint,
  type CalibrationPoint,
  type DriftSharePoint,
  type EffectStatistic,
  type EffectThreshold,
  type FeatureEffectPoint,
  type HoldoutAuc,
  type LoopChartRows,
  type LoopChartRowsOptions,
  type ServingBar,
  type Takeover,
} from './chart-rows.js';
export { InvalidReportRangeError, NoLoopReportDataError } from './errors.js';
export { escapeHtml } from './escape-html.js';
export { eventTimeText } from './event-time-text.js';
export { loadLoopReport, servingBucketMs, type LoadLoopReportOptions, type LoopReportData } from './load-loop-report.js';
export { loopChartSpecs, type LoopChart, type LoopChartSpecsOptions } from './loop-chart-specs.js';
export { renderChartSvg } from './render-chart-svg.js';
export { renderLoopReport, reportEvidence, type RenderLoopReportOptions } from './render-loop-report.js';
export { formatLoopReportSummary, summarizeLoopReport, type LoopReportSummary } from './summarize-loop-report.js';
export { loopReportFileName, writeLoopReport, type WriteLoopReportOptions, type WrittenLoopReport } from './write-loop-report.js';
