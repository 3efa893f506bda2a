import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DriftReportSchema, FeatureKind } from '@tributary/contracts';
import { createDriftMonitorStore } from '@tributary/drift';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../testing/cli-run.fixture.js';
import { platformNames } from './platform-names.js';
import { REPORT_EXIT_CODES, registerReportCommand } from './report.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2001, 4, 21);
const env = { CLICKHOUSE_DATABASE: `cli_report_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`, REGISTRY_ADDRESS: '127.0.0.1:1' };
const clickhouse = localClickHouse();
/** The database the command reads, resolved as it resolves it (in the tests' namespace). */
const database = platformNames({ ...process.env, ...env }).database;
const report = (...args: string[]) => runCommand(registerReportCommand, 'report', ...args);

/** Daily windows of 21–24 May: v2, an alarm on the 22nd. */
const reports = [0, 1, 2, 3].map((day) =>
  create(DriftReportSchema, {
    reportId: `cli-report-${day}`,
    modelName: 'flight-delay',
    modelVersion: 2,
    window: { startTime: timestampFromMs(T0 + day * DAY), endTime: timestampFromMs(T0 + (day + 1) * DAY) },
    sampleCount: 1000,
    features: [{ featureName: 'origin_delay_mean_7d', kind: FeatureKind.NUMERIC, wassersteinDistanceNormed: 0.3 + day / 10, decidedBy: 'wasserstein_distance_normed', threshold: 1 }],
    driftShare: 0,
    driftShareThreshold: 0.5,
    performance: { labelledCount: 1000, auc: 0.68 + day / 100, predictedPositiveShare: 0.19, observedPositiveShare: 0.2 + day / 40, referenceAuc: 0.697 },
    alert: day === 1,
    reasons: day === 1 ? [{ rule: 'calibration_gap', value: 0.085, threshold: 0.04 }] : [],
    revision: 1,
  }),
);

describe('tributary report', () => {
  let directory: string;

  beforeAll(async () => {
    Object.assign(process.env, env);
    const store = createDriftMonitorStore({ client: clickhouse, database });
    await store.ensureSchema();
    for (const r of reports) await store.writeReport(r);
    directory = await mkdtemp(join(tmpdir(), 'cli-report-'));
  });

  afterAll(async () => {
    for (const name of Object.keys(env)) delete process.env[name];
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the report of a range from ClickHouse and says where, with what it holds', async () => {
    const out = join(directory, 'loop.html');
    const written = await report('--from', '2001-05-22', '--to', '2001-05-24', '--out', out);
    expect(written.code, written.output).toBe(REPORT_EXIT_CODES.done);
    const lines = written.output.split('\n');
    // Nothing serves on 127.0.0.1:1: the versions come from the reports, and the command says so.
    expect(lines[0]).toBe('registry at 127.0.0.1:1 not reached (Unavailable): the versions table lists the versions the reports name');
    expect(lines.slice(1)).toEqual([`HTML report: ${out}`, '  flight-delay, 2001-05-22 00:00 → 2001-05-24 00:00: 2 windows, 2 drift reports (1 alarm), version v2']);
    const html = await readFile(out, 'utf8');
    expect([...html.matchAll(/<tr(?: class="alarm")?><td><code>([^<]+)<\/code>/g)].map((m) => m[1])).toEqual(['cli-report-1', 'cli-report-2']);
    expect(html.match(/<svg\b/g)?.length).toBe(4); // AUC, calibration, drift share, feature effects: no answers were served here.
  });

  it('without a range or a file, renders every window into the reports folder', async () => {
    const home = join(directory, 'home');
    process.env['TRIBUTARY_HOME'] = home;
    try {
      const written = await report();
      expect(written.code, written.output).toBe(REPORT_EXIT_CODES.done);
      const [file] = await readdir(join(home, 'reports'));
      const namespace = platformNames().namespace;
      expect(file).toBe(`${namespace === undefined ? '' : `${namespace}-`}flight-delay-20010521T0000-20010525T0000.html`);
      expect(written.output).toContain('flight-delay, 2001-05-21 00:00 → 2001-05-25 00:00: 4 windows, 4 drift reports (1 alarm), version v2');
    } finally {
      delete process.env['TRIBUTARY_HOME'];
    }
  });

  it('says clearly when no window lies in the range or the database was never written, and when the range is reversed', async () => {
    const none = await report('--from', '2001-06-01', '--to', '2001-06-08', '--out', join(directory, 'none.html'));
    expect(none.code).toBe(REPORT_EXIT_CODES.noData);
    expect(none.output).toContain(
      `✗ the drift monitor reported no window of flight-delay inside 2001-06-01 00:00 → 2001-06-08 00:00 (database ${database}): nothing to chart; \`tributary drift reports\` lists the windows it reported`,
    );
    expect(none.output).not.toMatch(/\n\s+at /);
    await expect(readFile(join(directory, 'none.html'))).rejects.toThrow(/ENOENT/);

    process.env['CLICKHOUSE_DATABASE'] = `${env.CLICKHOUSE_DATABASE}_never`;
    try {
      const nowhere = await report();
      expect(nowhere.code).toBe(REPORT_EXIT_CODES.noData);
      expect(nowhere.output).toMatch(/✗ the drift monitor reported no window of flight-delay at all \(database \S+_never\): nothing to chart/);
      expect(nowhere.output).not.toMatch(/\n\s+at /);
    } finally {
      process.env['CLICKHOUSE_DATABASE'] = env.CLICKHOUSE_DATABASE;
    }

    const reversed = await report('--from', '2001-05-24', '--to', '2001-05-22');
    expect(reversed.code).toBe(REPORT_EXIT_CODES.invalidArguments);
    expect(reversed.output).toContain('✗ the range must start before it ends: from 2001-05-24 00:00 is not before to 2001-05-22 00:00');
  });
});
