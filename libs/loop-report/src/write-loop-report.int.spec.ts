import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { createDriftMonitorStore, type FlightObservation } from '@tributary/drift';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoLoopReportDataError, loopChartRows, loadLoopReport, writeLoopReport } from './index.js';
import { DAY_MS, HOUR_MS, T0, markLabels, windowReport } from './testing/loop-report-data.fixture.js';

const clickhouse = localClickHouse();
const database = `loop_report_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const store = createDriftMonitorStore({ client: clickhouse, database });
const DAYS = 5;
const FLIGHTS_PER_DAY = 24;
/** v2 answers until day 2 at 12:00, v4 after: the promotion. */
const SWAP_MS = T0 + 2 * DAY_MS + 12 * HOUR_MS;
const features = [{ featureName: 'origin_delay_mean_7d', kind: 1, wassersteinDistanceNormed: 0.5, decidedBy: 'wasserstein_distance_normed', threshold: 1 }];
const reports = Array.from({ length: DAYS }, (_, day) =>
  [day <= 2 ? 2 : undefined, day >= 2 ? 4 : undefined]
    .filter((v): v is number => v !== undefined)
    .map((version) => windowReport(day, version, { auc: 0.6 + day / 100 + version / 1000, predicted: 0.2, observed: 0.2 + day / 50, driftShare: day / 10, alert: day === 1, features })),
).flat();
let directory: string;

describe('writeLoopReport() on the drift monitor’s tables', () => {
  beforeAll(async () => {
    await store.ensureSchema();
    for (const report of reports) await store.writeReport(report);
    const flights: FlightObservation[] = [];
    for (let i = 0; i < DAYS * FLIGHTS_PER_DAY; i++) {
      const departureTimeMs = T0 + i * HOUR_MS + 15 * 60_000;
      flights.push({ departedEventId: randomUUID(), departureTimeMs, eventTimeMs: departureTimeMs, outcome: i % 4 === 0 ? 1 : 0 });
    }
    await store.writeFlights(flights);
    await store.writePredictions(
      flights.map((flight, i) =>
        create(PredictionLogSchema, {
          requestId: `r${i}`,
          modelName: 'flight-delay',
          modelVersion: flight.departureTimeMs < SWAP_MS ? 2 : 4,
          alias: 'champion',
          servedBy: ServingTier.PRIMARY,
          eventId: flight.departedEventId,
          probability: 0.2,
          features: {},
        }),
      ),
    );
    directory = await mkdtemp(join(tmpdir(), 'loop-report-'));
  }, 60_000);

  afterAll(async () => {
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('charts only the windows inside the range asked for, and the answers departing in it', async () => {
    // 21 May 12:00 → 25 May 00:00: the windows of 22, 23 and 24 May lie inside; the 21st and the 25th do not.
    const fromMs = T0 + 12 * HOUR_MS;
    const toMs = T0 + 4 * DAY_MS;
    const written = await writeLoopReport({ store, modelName: 'flight-delay', fromMs, toMs, directory, fileNamePrefix: 'spec-' });
    expect(written.file).toBe(join(directory, 'spec-flight-delay-20010521T1200-20010525T0000.html'));
    expect(written.summary).toEqual({ modelName: 'flight-delay', fromMs, toMs, windows: 3, reports: 4, alarms: 1, versions: [2, 4] });

    const inside = reports.filter((r) => ['report-1-v2', 'report-2-v2', 'report-2-v4', 'report-3-v4'].includes(r.reportId));
    const html = await readFile(written.file, 'utf8');
    const auc = /<section id="realised-auc">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    const expected = loopChartRows({ modelName: 'flight-delay', fromMs, toMs, reports: inside, serving: [], servingBucketMs: HOUR_MS, versions: undefined });
    expect(markLabels(auc).filter((label) => label.includes('realised AUC')).sort()).toEqual(expected.auc.map((p) => p.label).sort());
    expect([...html.matchAll(/<tr(?: class="alarm")?><td><code>([^<]+)<\/code>/g)].map((m) => m[1]).sort()).toEqual(inside.map((r) => r.reportId).sort());

    // Every flight departing in the range was answered once: the bars hold them all, v2 before the swap, v4 after.
    const data = await loadLoopReport({ store, modelName: 'flight-delay', fromMs, toMs });
    const departing = (from: number, to: number) => Array.from({ length: DAYS * FLIGHTS_PER_DAY }, (_, i) => T0 + i * HOUR_MS + 15 * 60_000).filter((t) => t >= from && t < to).length;
    const answers = (version: number) => data.serving.filter((b) => b.modelVersion === version).reduce((sum, b) => sum + b.predictions, 0);
    expect(answers(2)).toBe(departing(fromMs, SWAP_MS));
    expect(answers(4)).toBe(departing(SWAP_MS, toMs));
    expect(data.serving.every((b) => b.bucketStartMs >= fromMs && b.bucketStartMs < toMs)).toBe(true);
    const serving = /<section id="serving">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(markLabels(serving).filter((label) => label.includes('answers as primary'))).toEqual(['v2 answers as primary from 2001-05-21 12:15', 'v4 answers as primary from 2001-05-23 12:15']);
  });

  it('without a range, charts every window the monitor reported', async () => {
    const data = await loadLoopReport({ store, modelName: 'flight-delay' });
    expect(data.reports.map((r) => r.reportId)).toEqual(reports.map((r) => r.reportId));
    expect([data.fromMs, data.toMs]).toEqual([T0, T0 + DAYS * DAY_MS]);
  });

  it('says so when no window lies inside the range, and writes nothing', async () => {
    const attempt = writeLoopReport({ store, modelName: 'flight-delay', fromMs: T0 + 12 * HOUR_MS, toMs: T0 + 36 * HOUR_MS, file: join(directory, 'none.html') });
    await expect(attempt).rejects.toBeInstanceOf(NoLoopReportDataError);
    await expect(attempt).rejects.toThrow(`the drift monitor reported no window of flight-delay inside 2001-05-21 12:00 → 2001-05-22 12:00 (database ${database}): nothing to chart`);
    await expect(readFile(join(directory, 'none.html'))).rejects.toThrow(/ENOENT/);
  });

  it('says the same of a database the monitor never wrote to', async () => {
    const nowhere = createDriftMonitorStore({ client: clickhouse, database: `${database}_never` });
    await expect(loadLoopReport({ store: nowhere, modelName: 'flight-delay' })).rejects.toThrow(`the drift monitor reported no window of flight-delay at all (database ${database}_never)`);
  });
});
