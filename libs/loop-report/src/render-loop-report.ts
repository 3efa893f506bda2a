import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { DriftReport, ModelVersion } from '@tributary/contracts';
import { TRAINER_TAGS } from '@tributary/training';
import { loopChartRows, windowText, type LoopChartRowsOptions } from './chart-rows.js';
import { escapeHtml } from './escape-html.js';
import { eventTimeText } from './event-time-text.js';
import type { LoopReportData } from './load-loop-report.js';
import { loopChartSpecs } from './loop-chart-specs.js';
import { renderChartSvg } from './render-chart-svg.js';
import { formatLoopReportSummary, summarizeLoopReport } from './summarize-loop-report.js';

/** Options of {@link renderLoopReport}. */
export interface RenderLoopReportOptions extends LoopChartRowsOptions {
  /** When the page was made, shown in its footer. Default: now. */
  readonly generatedAt?: Date;
  /** Where the data came from, shown under the title, e.g. `ClickHouse tributary, registry 127.0.0.1:15052`. Default: none. */
  readonly source?: string;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin:2rem 0 .3rem}
.summary{color:#444}.caption{color:#555;margin:.2rem 0 .6rem}figure{margin:0}svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.alarm td{background:#fff4f0}code{font-size:12px}
footer{margin-top:2rem;color:#777;font-size:12px}`;

const cell = (text: string, className?: string) => `<td${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</td>`;
const fixed = (value: number | undefined, digits = 3) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));

/** The evidence of a report: the rules that fired with value and threshold, the calibration, the drifted features. */
export function reportEvidence(report: DriftReport): string {
  // A count (e.g. of drifted features) reads as one; a gap or a drop with three decimals.
  const rules = report.reasons.map((reason) => `${reason.rule} ${Number.isInteger(reason.value) ? reason.value : fixed(reason.value)} ≥ ${reason.threshold}`);
  const { performance } = report;
  const calibration = performance && performance.labelledCount > 0 ? `predicted ${fixed(performance.predictedPositiveShare)} vs observed ${fixed(performance.observedPositiveShare)} late` : 'no outcomes yet';
  const drifted = report.features.filter((feature) => feature.drifted).map((feature) => feature.featureName);
  return [rules.length > 0 ? `ALARM ${rules.join(', ')}` : 'no alarm', calibration, ...(drifted.length > 0 ? [`drifted: ${drifted.join(', ')}`] : [])].join('; ');
}

function reportsTable(reports: readonly DriftReport[]): string {
  const rows = reports.map((report) =>
    [
      `<tr${report.alert ? ' class="alarm"' : ''}>`,
      `<td><code>${escapeHtml(report.reportId)}</code></td>`,
      cell(windowText(report)),
      cell(`v${report.modelVersion}`),
      cell(`${report.sampleCount} / ${report.performance?.labelledCount ?? 0}`, 'num'),
      cell(fixed(report.performance?.auc), 'num'),
      cell(reportEvidence(report)),
      '</tr>',
    ].join(''),
  );
  return `<table id="drift-reports"><thead><tr><th>report id</th><th>window (event time)</th><th>version</th><th>predictions / outcomes</th><th>realised AUC</th><th>evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function modelsTable(data: LoopReportData): string {
  const head = '<thead><tr><th>version</th><th>role, type</th><th>holdout AUC</th><th>aliases</th><th>trained on (event time)</th><th>trained for drift report</th></tr></thead>';
  if (data.versions === undefined) {
    // Without the registry, what the reports say of each version: its holdout AUC.
    const known = new Map<number, number | undefined>();
    for (const report of data.reports) known.set(report.modelVersion, report.performance?.referenceAuc ?? known.get(report.modelVersion));
    const rows = [...known].sort((a, b) => a[0] - b[0]).map(([version, auc]) => `<tr>${cell(`v${version}`)}${cell('–')}${cell(fixed(auc, 4), 'num')}${cell('registry not reached')}${cell('–')}${cell('–')}</tr>`);
    return `<table id="models">${head}<tbody>${rows.join('')}</tbody></table>`;
  }
  const trained = (version: ModelVersion) => {
    const window = version.lineage?.trainingWindow;
    return window?.startTime && window.endTime ? `${eventTimeText(timestampMs(window.startTime))} → ${eventTimeText(timestampMs(window.endTime))}` : '–';
  };
  const rows = data.versions.map((version) =>
    [
      '<tr>',
      cell(`v${version.version}`),
      cell([version.tags[TRAINER_TAGS.role], version.modelType].filter(Boolean).join(', ')),
      cell(fixed(version.metrics['holdout_auc'], 4), 'num'),
      cell(version.aliases.join(', ') || '–'),
      cell(trained(version)),
      `<td><code>${escapeHtml(version.tags[TRAINER_TAGS.driftReportId] ?? '')}</code></td>`,
      '</tr>',
    ].join(''),
  );
  return `<table id="models">${head}<tbody>${rows.join('')}</tbody></table>`;
}

/**
 * The loop report as one self-contained HTML page: a summary, one inline SVG
 * chart per signal (rendered by Vega, no script and nothing fetched when the
 * page opens), the drift reports and the model versions as tables. Every text
 * taken from the data is escaped.
 */
export async function renderLoopReport(data: LoopReportData, options: RenderLoopReportOptions = {}): Promise<string> {
  const { generatedAt = new Date(), source } = options;
  const charts = loopChartSpecs(loopChartRows(data, options), { fromMs: data.fromMs, toMs: data.toMs });
  const figures: string[] = [];
  for (const chart of charts) {
    const svg = await renderChartSvg(chart.spec);
    figures.push(`<section id="${chart.id}"><h2>${escapeHtml(chart.title)}</h2><p class="caption">${escapeHtml(chart.caption)}</p><figure>${svg}</figure></section>`);
  }
  const title = `${data.modelName}: the loop over ${eventTimeText(data.fromMs)} → ${eventTimeText(data.toMs)}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`Tributary — ${title}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="summary">${escapeHtml(formatLoopReportSummary(summarizeLoopReport(data)))}. Event time is the flights’ local time; each window is charted at its middle.${source ? ` Read from ${escapeHtml(source)}.` : ''}</p>`,
    ...figures,
    `<section id="reports-table"><h2>Drift reports</h2>${reportsTable(data.reports)}</section>`,
    `<section id="models-table"><h2>Model versions</h2>${modelsTable(data)}</section>`,
    `<footer>Made by Tributary at ${escapeHtml(generatedAt.toISOString())}; charts rendered with Vega-Lite.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
