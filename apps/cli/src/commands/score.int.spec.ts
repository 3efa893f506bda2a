import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { localClickHouse } from '@tributary/infra/testing';
import { createClickHouseDepartureSource, createScoringStore } from '@tributary/scoring';
import { writeFlightFixtures } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, startRegistryProcess, type RegistryProcess } from '../testing/cli-run.fixture.js';
import { SCORE_EXIT_CODES, registerScoreCommand } from './score.js';
import { registerTrainCommand } from './train.js';

const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `cli_score_${suffix}`;
const MODEL = `cli-score-${suffix.replaceAll('_', '-')}`;
const WINDOW = { fromMs: Date.UTC(2001, 1, 7), toMs: Date.UTC(2001, 1, 8) };
const clickhouse = localClickHouse();
const main = new URL('../main.ts', import.meta.url).pathname;

const score = (...args: string[]) => runCommand(registerScoreCommand, 'score', ...args);

describe('tributary score', () => {
  let registry: RegistryProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    [registry] = await Promise.all([
      startRegistryProcess(`cli-score-${suffix}`),
      writeFlightFixtures({ client: clickhouse, database, fromMs: Date.UTC(2001, 1, 5), toMs: WINDOW.toMs, everyNth: 4 }),
    ]);
    env = { CLICKHOUSE_DATABASE: database, REGISTRY_ADDRESS: registry.address };
    Object.assign(process.env, env);
    // The model to score with, trained and registered as the trainer would: fallback v1, primary v2.
    const trained = await runCommand(
      registerTrainCommand,
      'train', '--local', '--model', MODEL, '--from', '2001-02-05', '--to', '2001-02-06T12:00', '--validation-from', '2001-02-06T12:00',
      '--validation-to', '2001-02-06T18:00', '--holdout-from', '2001-02-06T18:00', '--holdout-to', '2001-02-07', '--param', 'max_rounds=30',
    );
    expect(trained.code, trained.output).toBe(0);
  }, 300_000);

  afterAll(async () => {
    for (const name of Object.keys(env ?? {})) delete process.env[name];
    await registry?.stop();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await clickhouse.close();
  }, 60_000);

  it('killed with SIGKILL mid-job, the same command resumes it: one row per departure, none missing, visible only once complete', { timeout: 300_000 }, async () => {
    const args = ['score', '--model', `${MODEL}@2`, '--from', '2001-02-07', '--to', '2001-02-08', '--chunk-rows', '150'];
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const seen: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      seen.push(line);
      // Not a terminal: one plain line per chunk written. Kill once a chunk is in and more are coming.
      const progress = /^([\d,]+) \/ ([\d,]+) rows/.exec(line);
      if (progress && Number(progress[1]?.replaceAll(',', '')) > 0) {
        child.kill('SIGKILL');
        break;
      }
    }
    const [, signal] = await exited;
    expect(signal, seen.join('\n')).toBe('SIGKILL');

    const store = createScoringStore({ client: clickhouse, database });
    const jobId = (await (await clickhouse.query({ query: `SELECT job_id FROM ${database}.batch_score_jobs FINAL`, format: 'TabSeparated' })).text()).trim();
    expect(jobId).toMatch(new RegExp(`^${MODEL}-v2-`));
    expect((await store.getJob(jobId))?.status).toBe('running');
    const cut = await store.countRows(jobId);
    const departures = await createClickHouseDepartureSource({ client: clickhouse, database, window: WINDOW }).count();
    expect(cut.rows).toBeGreaterThan(0);
    expect(cut.rows).toBeLessThan(departures);
    const visible = async () => Number((await (await clickhouse.query({ query: `SELECT count() FROM ${database}.batch_scores WHERE job_id = {job:String}`, query_params: { job: jobId }, format: 'TabSeparated' })).text()).trim());
    expect(await visible()).toBe(0);

    const resumed = await score(...args.slice(1));
    expect(resumed.code, resumed.output).toBe(SCORE_EXIT_CODES.done);
    expect(resumed.output).toContain(`job ${jobId} complete: ${departures.toLocaleString('en-US')} rows`);
    expect(resumed.output).toMatch(/resumed: [\d,]+ rows were written by an earlier run/);
    expect(resumed.output).toMatch(/[\d,]+ rows\/s/);
    expect(await store.countRows(jobId)).toEqual({ rows: departures, distinctEventIds: departures });
    expect(await visible()).toBe(departures);
    const missing = await clickhouse.query({
      query: `SELECT count() FROM ${database}.events_raw WHERE type = 'flight.departed' AND event_time >= '2001-02-07 00:00:00' AND event_time < '2001-02-08 00:00:00'
                AND event_id NOT IN (SELECT event_id FROM ${database}.batch_scores WHERE job_id = {job:String})
                AND JSONExtractString(payload, 'flightKey') LIKE '20010207T%'`,
      query_params: { job: jobId },
      format: 'TabSeparated',
    });
    expect(Number((await missing.text()).trim())).toBe(0);

    const again = await score(...args.slice(1));
    expect(again.code).toBe(SCORE_EXIT_CODES.done);
    expect(again.output).toContain('was complete before');
    expect(await store.countRows(jobId)).toEqual({ rows: departures, distinctEventIds: departures });
  });

  it('says what is wrong, with its own exit code, for an unknown model or version, an empty window, a corrupt Parquet file and a reversed window', { timeout: 120_000 }, async () => {
    const window = ['--from', '2001-02-07', '--to', '2001-02-08'];
    const unknownModel = await score('--model', 'no-such-model', ...window);
    expect(unknownModel).toMatchObject({ code: SCORE_EXIT_CODES.modelNotFound });
    expect(unknownModel.output).toContain('✗ no-such-model@champion: the registry has no model no-such-model');

    const unknownVersion = await score('--model', `${MODEL}@9`, ...window);
    expect(unknownVersion).toMatchObject({ code: SCORE_EXIT_CODES.modelNotFound });
    expect(unknownVersion.output).toContain(`✗ ${MODEL}@9: version 9 does not exist (versions 1, 2)`);

    const empty = await score('--model', `${MODEL}@2`, '--from', '2001-06-01', '--to', '2001-06-02');
    expect(empty).toMatchObject({ code: SCORE_EXIT_CODES.emptyWindow });
    expect(empty.output).toContain(`✗ no departed flights in ${database}.events_raw [2001-06-01T00:00, 2001-06-02T00:00): nothing to score`);

    const corrupt = join(registry.artifactDirectory, 'corrupt.parquet');
    await writeFile(corrupt, 'PAR1 this is not a parquet file PAR1');
    const unreadable = await score('--model', `${MODEL}@2`, '--parquet', corrupt);
    expect(unreadable).toMatchObject({ code: SCORE_EXIT_CODES.unreadableFile });
    expect(unreadable.output).toContain(`✗ ${corrupt}: not a readable Parquet file`);

    const reversed = await score('--model', `${MODEL}@2`, '--from', '2001-02-08', '--to', '2001-02-07');
    expect(reversed).toMatchObject({ code: SCORE_EXIT_CODES.invalidArguments });
    expect(reversed.output).toContain('✗ the window must start before it ends: --from 2001-02-08T00:00 is not before --to 2001-02-07T00:00');
  });
});
