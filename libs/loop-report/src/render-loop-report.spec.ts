import { describe, expect, it } from 'vitest';
import { loopChartRows, renderLoopReport, reportEvidence } from './index.js';
import { HOSTILE_FEATURE, markLabels, sampleData, sampleReports } from './testing/loop-report-data.fixture.js';

/** The `<section id=…>` blocks of the page, by id. */
function sections(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<section id="([^"]+)">([\s\S]*?)<\/section>/g)].map((m) => [m[1] as string, m[2] as string]));
}

describe('renderLoopReport()', () => {
  it('is one self-contained page: an inline SVG per signal, no script, nothing to fetch', async () => {
    const html = await renderLoopReport(sampleData(), { generatedAt: new Date(Date.UTC(2026, 0, 1)) });
    const parts = sections(html);
    expect([...parts.keys()]).toEqual(['realised-auc', 'calibration', 'drift-share', 'feature-effects', 'serving', 'reports-table', 'models-table']);
    for (const id of ['realised-auc', 'calibration', 'drift-share', 'feature-effects', 'serving']) expect(parts.get(id)?.match(/<svg\b/g), id).toHaveLength(1);
    expect(html.match(/<svg\b/g)).toHaveLength(5);
    expect(html).not.toMatch(/<script\b/i);
    // Only the SVG namespaces look like URLs; nothing has a src or an href to load.
    expect(html).not.toMatch(/\s(?:src|href|xlink:href)=/);
    expect(html.replaceAll('http://www.w3.org/', '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('<footer>Made by Tributary at 2026-01-01T00:00:00.000Z');
  });

  it('charts the rows it is given: the marks of the calibration chart are its rows', async () => {
    const data = sampleData();
    const html = await renderLoopReport(data);
    const calibration = sections(html).get('calibration') ?? '';
    expect(markLabels(calibration).sort()).toEqual(loopChartRows(data).calibration.map((p) => p.label).sort());
  });

  it('escapes every text taken from the data, in the tables and in the charts', async () => {
    const hostileModel = 'flight-delay"><img src=x onerror=alert(1)>';
    const reports = sampleReports().map((report) => ({ ...report, modelName: hostileModel, reportId: `${report.reportId}<i>` }));
    const html = await renderLoopReport(sampleData({ modelName: hostileModel, reports }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('flight-delay&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('report-0-v2&lt;i&gt;');
    // The hostile feature is among the largest effects: in the chart (escaped by Vega) and, drifted nowhere, not in the table.
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(markLabels(sections(html).get('feature-effects') ?? '').filter((label) => label.includes(HOSTILE_FEATURE))).toHaveLength(4);
  });

  it('lists every drift report with its window and evidence, and every version with its AUC and aliases', async () => {
    const html = await renderLoopReport(sampleData());
    const reports = sections(html).get('reports-table') ?? '';
    const rows = [...reports.matchAll(/<tr(?: class="alarm")?><td><code>([^<]+)<\/code><\/td><td>([^<]+)<\/td><td>(v\d+)<\/td>.*?<td>([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(rows).toEqual(sampleReports().map((r) => [r.reportId, expect.stringMatching(/^2001-05-2\d 00:00 → 05-2\d 00:00$/), `v${r.modelVersion}`, reportEvidence(r).replaceAll('&', '&amp;')]));
    expect(reports.match(/class="alarm"/g)).toHaveLength(2);
    expect(reportEvidence(sampleReports()[0]!)).toBe('ALARM calibration_gap 0.091 ≥ 0.04; predicted 0.193 vs observed 0.284 late');
    const counted = { ...sampleReports()[0]!, reasons: [{ $typeName: 'tributary.v1.DriftReason' as const, rule: 'feature_drift', value: 3, threshold: 1, detail: '' }] };
    expect(reportEvidence(counted)).toBe('ALARM feature_drift 3 ≥ 1; predicted 0.193 vs observed 0.284 late');
    const models = sections(html).get('models-table') ?? '';
    expect([...models.matchAll(/<tr><td>(v\d)<\/td><td>([^<]*)<\/td><td class="num">([\d.]+)<\/td><td>([^<]*)<\/td>/g)].map((m) => m.slice(1))).toEqual([
      ['v1', 'fallback, logistic_regression', '0.6780', '–'],
      ['v2', 'primary, gbdt', '0.6970', '–'],
      ['v3', 'fallback, logistic_regression', '0.7013', '–'],
      ['v4', 'primary, gbdt', '0.7078', 'champion'],
    ]);
  });

  it('without the registry, lists the versions the reports name with their holdout AUC', async () => {
    const html = await renderLoopReport(sampleData({ versions: undefined }));
    const models = sections(html).get('models-table') ?? '';
    expect([...models.matchAll(/<tr><td>(v\d)<\/td><td>–<\/td><td class="num">([\d.]+)<\/td><td>registry not reached<\/td>/g)].map((m) => m.slice(1))).toEqual([
      ['v2', '0.6970'],
      ['v4', '0.7080'],
    ]);
  });
});
