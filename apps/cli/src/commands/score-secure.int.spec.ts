/**
 * `tributary score` under security: against secure servers of this spec's own
 * (`createInfra({ secure })` on a temporary home and free ports), run with the
 * operator's env — the `.tributary/secrets/operator.env` of `infra up --secure`
 * — it creates and fills the scoring tables; run as a principal without the
 * operator's grants, ClickHouse refuses it and the command says which grants
 * it takes, exit 6. The registry serving the model is a plain one: its own
 * authorization is model.int.spec's.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { adminPrincipal, createInfra, ensureInfraSecrets, secureClientEnv, type Infra, type InfraPorts, type InfraSecrets } from '@tributary/infra';
import { isolatedInfraEnv } from '@tributary/infra/testing';
import { writeFlightFixtures } from '@tributary/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, startRegistryProcess, type RegistryProcess } from '../testing/cli-run.fixture.js';
import { SCORE_EXIT_CODES } from './score.js';
import { registerTrainCommand } from './train.js';

const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
/** The database the secure servers grant on (no namespace). */
const database = 'tributary';
const MODEL = `cli-score-secure-${suffix.replaceAll('_', '-')}`;
const main = new URL('../main.ts', import.meta.url).pathname;
const coldInstallMs = 15 * 60_000;

let infra: Infra;
let home: string;
let ports: InfraPorts;
let secrets: InfraSecrets;
let admin: ClickHouseClient;
let registry: RegistryProcess;
const saved: Record<string, string | undefined> = {};

/** `tributary score` in a process of its own, with `principal`'s client env of the secure servers. */
async function scoreAs(principal: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', main, 'score', ...args], {
    env: { ...process.env, ...secureClientEnv(principal, secrets, ports), CLICKHOUSE_DATABASE: database, REGISTRY_ADDRESS: registry.address, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

const count = async (query: string) => Number((await (await admin.query({ query, format: 'TabSeparated' })).text()).trim());

beforeAll(async () => {
  const isolated = await isolatedInfraEnv();
  ({ home, ports } = isolated);
  infra = createInfra({ env: isolated.env, secure: {} });
  await infra.up();
  secrets = await ensureInfraSecrets(home);
  admin = createClient({ url: `http://127.0.0.1:${ports.clickhouseHttp}`, username: adminPrincipal, password: secrets[adminPrincipal] ?? '', log: { level: ClickHouseLogLevel.OFF } });
  registry = await startRegistryProcess(`cli-score-secure-${suffix}`);
  await writeFlightFixtures({ client: admin, database, fromMs: Date.UTC(2001, 1, 5), toMs: Date.UTC(2001, 1, 8), everyNth: 4 });
  // The model, trained in this process as the admin (the trainer's part): fallback v1, primary v2.
  const env = { CLICKHOUSE_URL: `http://127.0.0.1:${ports.clickhouseHttp}`, CLICKHOUSE_USER: adminPrincipal, CLICKHOUSE_PASSWORD: secrets[adminPrincipal] ?? '', CLICKHOUSE_DATABASE: database, REGISTRY_ADDRESS: registry.address };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  const trained = await runCommand(
    registerTrainCommand,
    'train', '--local', '--model', MODEL, '--from', '2001-02-05', '--to', '2001-02-06T12:00', '--validation-from', '2001-02-06T12:00',
    '--validation-to', '2001-02-06T18:00', '--holdout-from', '2001-02-06T18:00', '--holdout-to', '2001-02-07', '--param', 'max_rounds=30',
  );
  expect(trained.code, trained.output).toBe(0);
}, coldInstallMs);

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await registry?.stop();
  await admin?.close();
  await infra?.down();
  if (home) await rm(home, { recursive: true, force: true });
}, 120_000);

describe('tributary score against secure servers', () => {
  const window = ['--from', '2001-02-07', '--to', '2001-02-08'];

  it("runs as the operator: creates its tables, scores every departure of the window and shows them once complete", { timeout: 300_000 }, async () => {
    const scored = await scoreAs('operator', ['--model', `${MODEL}@2`, ...window, '--chunk-rows', '500']);
    expect(scored.code, scored.output).toBe(SCORE_EXIT_CODES.done);
    expect(scored.output).not.toMatch(/ACCESS_DENIED|Not enough privileges/);
    const departures = await count(
      `SELECT count() FROM ${database}.events_raw WHERE type = 'flight.departed' AND JSONExtractString(payload, 'flightKey') LIKE '20010207T%'`,
    );
    expect(departures).toBeGreaterThan(0);
    expect(await count(`SELECT count() FROM ${database}.batch_scores`)).toBe(departures);

    // With the tables made (as deploy/clickhouse's SQL makes them), the operator scores again without creating any.
    const managed = await scoreAs('operator', ['--model', `${MODEL}@1`, ...window], { CLICKHOUSE_MANAGE_SCHEMA: 'false' });
    expect(managed.code, managed.output).toBe(SCORE_EXIT_CODES.done);
    expect(await count(`SELECT count() FROM ${database}.batch_scores WHERE model_version = 1`)).toBe(departures);
  });

  it("refuses a principal without the operator's grants with one line saying which it takes, exit 6", { timeout: 120_000 }, async () => {
    // The trainer reads events_raw and the features, but may write no scoring table.
    const refused = await scoreAs('trainer', ['--model', `${MODEL}@2`, ...window], { CLICKHOUSE_MANAGE_SCHEMA: 'false' });
    expect(refused.code, refused.output).toBe(SCORE_EXIT_CODES.refused);
    expect(refused.output).toMatch(/✗ ClickHouse refused user trainer: .*Not enough privileges/);
    expect(refused.output).toContain("batch scoring takes the operator's grants: SELECT on events_raw and features_*; SELECT, INSERT and ALTER DELETE on batch_score_rows");
    // Said once, not again with the client's stack traces.
    expect(refused.output).not.toContain('@clickhouse/client');

    // Asked to create the tables, it is refused the CREATE as well.
    const creating = await scoreAs('trainer', ['--model', `${MODEL}@2`, ...window]);
    expect(creating.code, creating.output).toBe(SCORE_EXIT_CODES.refused);
    expect(creating.output).toMatch(/✗ ClickHouse refused user trainer: .*CREATE/);
  });
});
