import { describe, expect, it } from 'vitest';
import { loopChartRows, loopChartSpecs, renderChartSvg, type LoopChartRows } from './index.js';
import { DAY_MS, T0, markLabels, sampleData } from './testing/loop-report-data.fixture.js';

const rows = loopChartRows(sampleData());
const charts = loopChartSpecs(rows, { fromMs: T0, toMs: T0 + 3 * DAY_MS });
const byId = new Map(charts.map((chart) => [chart.id, chart]));
const sorted = (labels: readonly string[]) => [...labels].sort();
const labelsOf = (...groups: readonly { readonly label: string }[][]) => sorted(groups.flat().map((row) => row.label));

describe('loopChartSpecs()', () => {
  it('makes one chart per signal, each spanning the same event time', () => {
    expect(charts.map((chart) => chart.id)).toEqual(['realised-auc', 'calibration', 'drift-share', 'feature-effects', 'serving']);
    for (const chart of charts) expect(JSON.stringify(chart.spec)).toContain(`"domain":[${T0},${T0 + 3 * DAY_MS}]`);
  });

  it('leaves out a chart with nothing to draw', () => {
    const empty: LoopChartRows = { ...rows, auc: [], holdoutAuc: [], featureEffects: [] };
    expect(loopChartSpecs(empty, { fromMs: T0, toMs: T0 + DAY_MS }).map((chart) => chart.id)).toEqual(['calibration', 'drift-share', 'serving']);
  });

  // Each data mark of the SVG Vega draws carries its row's label: the marks drawn are exactly the rows given.
  it.each([
    ['realised-auc', labelsOf([...rows.auc], [...rows.holdoutAuc])],
    ['calibration', labelsOf([...rows.calibration])],
    ['drift-share', sorted([...rows.driftShare.map((p) => p.label), 'dataset drift at a share ≥ 0.5'])],
    ['feature-effects', sorted([...rows.featureEffects.map((p) => p.label), 'normed Wasserstein drift threshold 1', 'Jensen–Shannon drift threshold 0.2'])],
    ['serving', labelsOf([...rows.serving], [...rows.takeovers])],
  ])('renders the %s chart with one mark per row', async (id, expected) => {
    const chart = byId.get(id);
    if (!chart) throw new Error(`no chart ${id}`);
    const svg = await renderChartSvg(chart.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(sorted(markLabels(svg))).toEqual(expected);
  });

  it('places a higher AUC higher on the chart', async () => {
    const chart = byId.get('realised-auc');
    if (!chart) throw new Error('no AUC chart');
    const svg = await renderChartSvg(chart.spec);
    // Points are symbols translated to their x, y; the y of each labelled point, by its AUC.
    const points = [...svg.matchAll(/<path\b[^>]*aria-label="[^"]*realised AUC ([\d.]+)[^"]*"[^>]*transform="translate\(([\d.]+),([\d.]+)\)"/g)].map((m) => ({ auc: Number(m[1]), y: Number(m[3]) }));
    expect(points).toHaveLength(rows.auc.length);
    const byAuc = [...points].sort((a, b) => a.auc - b.auc);
    for (let i = 1; i < byAuc.length; i++) expect(byAuc[i]?.y).toBeLessThan(byAuc[i - 1]?.y ?? Number.NaN);
  });
});
