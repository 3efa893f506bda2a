// Runs the built command as a user would: `npm test` builds every project first (tools/bootstrap.mjs).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { inNamespace } from '@tributary/config';
import { createInfra, ensureInfraSecrets, findWorkspaceRoot, localEndpoints, readSecureClientEnvFile, type InfraSecrets } from '@tributary/infra';
import { isolatedInfraEnv } from '@tributary/infra/testing';
import { allTopics, createKafkaClient } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A namespace of this run alone: what it finds there, it wrote itself. */
const namespace = `demo_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
/** The services' defaults the demo writes under (their `CLICKHOUSE_DATABASE`, Redis prefixes, `REGISTRY_ARTIFACT_DIR`). */
const DATABASE = 'tributary';
const KEY_PREFIXES = ['tributary:', 'features'];
const ARTIFACTS = '.tributary/registry/artifacts';

const endpoints = localEndpoints();
/** The HTML report the demo wrote, removed after. */
let reportFile: string | undefined;
/** The demo, stopped after even when a check failed while it kept running. */
let demoProcess: ChildProcess | undefined;
const kafka = createKafkaClient({ clientId: 'demo-spec', brokers: endpoints.kafkaBrokers });
const clickhouse = createClient({ url: endpoints.clickhouseUrl });
const redis = new Redis(endpoints.redisUrl);

/** What the platform holds under a namespace (none: the user's): topic end offsets, raw events, Redis keys that do not expire, artifact files. */
async function holdings(ns: string | undefined) {
  const admin = kafka.admin();
  await admin.connect();
  const offsets: Record<string, string> = {};
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of allTopics) {
      const name = inNamespace(ns, 'topic', topic.name);
      if (!existing.has(name)) continue;
      const partitions = await admin.fetchTopicOffsets(name);
      offsets[name] = partitions.map((p) => `${p.partition}:${p.high}`).join(',');
    }
  } finally {
    await admin.disconnect();
  }
  const database = inNamespace(ns, 'database', DATABASE);
  const rows = await clickhouse.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {database:String} AND name = {table:String}',
    query_params: { database, table: 'events_raw' },
    format: 'JSONEachRow',
  });
  const [table] = await rows.json<{ n: string }>();
  let rawEvents = 0;
  if (Number(table?.n) > 0) {
    const count = await clickhouse.query({ query: 'SELECT count() AS n FROM {database:Identifier}.events_raw', query_params: { database }, format: 'JSONEachRow' });
    rawEvents = Number((await count.json<{ n: string }>())[0]?.n);
  }
  const keys: Record<string, number> = {};
  for (const prefix of KEY_PREFIXES) {
    const pattern = `${inNamespace(ns, 'key-prefix', prefix)}*`;
    let n = 0;
    // Keys with a time to live (cached predictions) are left out: they expire on their own, in the middle of a run too.
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
      const ttls = (await redis.pipeline(batch.map((key) => ['pttl', key])).exec()) ?? [];
      n += ttls.filter(([, ttl]) => ttl === -1).length;
    }
    keys[pattern] = n;
  }
  const artifactDir = join(findWorkspaceRoot(), inNamespace(ns, 'directory', ARTIFACTS));
  const artifacts = existsSync(artifactDir) ? readdirSync(artifactDir, { recursive: true }).length : 0;
  return { offsets, rawEvents, keys, artifacts };
}

afterAll(async () => {
  if (demoProcess && demoProcess.exitCode === null && demoProcess.signalCode === null) {
    const exited = once(demoProcess, 'exit');
    demoProcess.kill('SIGINT');
    await exited;
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ours = (await admin.listTopics()).filter((name) => name.startsWith(`${namespace}.`));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${namespace}.`));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  await clickhouse.command({ query: `DROP DATABASE IF EXISTS \`${inNamespace(namespace, 'database', DATABASE)}\`` });
  await clickhouse.close();
  for await (const batch of redis.scanStream({ match: `${namespace}:*`, count: 1000 }) as AsyncIterable<string[]>) if (batch.length > 0) await redis.del(...batch);
  redis.disconnect();
  await rm(join(findWorkspaceRoot(), inNamespace(namespace, 'directory', ARTIFACTS)), { recursive: true, force: true });
  if (reportFile) await rm(reportFile, { force: true });
}, 120_000);

/** A demo started with `--keep-running`, its run done and its services still running. */
interface KeptDemo {
  /** Everything it has written to stdout so far. */
  output(): string;
  /** Ctrl-C; resolves with its exit code once it has stopped its services. */
  stop(): Promise<number | null>;
}

/** Runs the built demo with `args` and `--keep-running` until it says the services keep running; `track` is given the process at once, to be stopped after a failed check. */
async function startKeptDemo(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, track: (child: ChildProcess) => void): Promise<KeptDemo> {
  const demo = spawn(process.execPath, [cli, 'demo', ...args, '--keep-running'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  track(demo);
  let stdout = '';
  const exited = once(demo, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not finish its run in time:\n${stdout}`)), timeoutMs);
    demo.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Services keep running; Ctrl-C stops them')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`the demo exited before Ctrl-C:\n${stdout}`)));
  });
  return {
    output: () => stdout,
    stop: async () => {
      demo.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

describe('tributary demo', () => {
  it('brings up the local servers, the topics and all six services, replays a slice of flights in event time, trains the first model, serves the flights that follow over gRPC, closes the loop (drift alarm, one retraining, promotion, inference serving the new version) and reports it all — in its namespace, leaving the user\'s untouched — and stops them on Ctrl-C', async () => {
    const usersBefore = await holdings(undefined);
    // A smaller slice of the quick mode's story keeps CI short: every 16th flight, 8–20 May of history, two stormy days served.
    const demo = await startKeptDemo(['--every', '16', '--from', '2001-05-08', '--train-until', '2001-05-21', '--until', '2001-05-23'], { ...process.env, TRIBUTARY_NAMESPACE: namespace }, 460_000, (child) => (demoProcess = child));
    let stdout = demo.output();
    // The HTML report, written beside the text report; `tributary report` renders the same charts again from ClickHouse while the services run.
    const htmlReport = /^HTML report: (\S+\.html)\n {2}(flight-delay, 2001-05-21 00:00 → 2001-05-23 00:00: .*)$/m.exec(stdout);
    expect(htmlReport, stdout).not.toBeNull();
    // The windows the replay's end closed; under load some answers come from v2's fallback, which the monitor judges as its own version.
    expect(htmlReport?.[2], stdout).toMatch(/: [12] windows?, \d+ drift reports? \(\d+ alarms?\), versions (?:v\d+, )*v2, (?:v\d+, )*v4$/);
    reportFile = htmlReport?.[1];
    const html = await readFile(reportFile ?? '', 'utf8');
    const charts = (page: string) => [...page.matchAll(/<section id="([a-z-]+)"><h2>[^<]*<\/h2><p class="caption">[^<]*<\/p><figure>(<svg[\s\S]*?<\/svg>)<\/figure><\/section>/g)].map((m) => [m[1], m[2]]);
    expect(charts(html).map(([id]) => id)).toEqual(['realised-auc', 'calibration', 'drift-share', 'feature-effects', 'serving']);
    expect(html).toMatch(/<tr class="alarm"><td><code>[0-9a-f-]{36}<\/code><\/td><td>2001-05-21 00:00 → 05-22 00:00<\/td><td>v2<\/td>/);
    const registryAddress = /^registry\s+ready in .*gRPC (127\.0\.0\.1:\d+)/m.exec(stdout)?.[1] ?? '';
    const again = join(findWorkspaceRoot(), '.tributary', 'reports', `${namespace}-again.html`);
    const rendered = await promisify(execFile)(process.execPath, [cli, 'report', '--from', '2001-05-21', '--to', '2001-05-23', '--registry', registryAddress, '--out', again], {
      env: { ...process.env, TRIBUTARY_NAMESPACE: namespace },
    });
    expect(rendered.stdout).toBe(`HTML report: ${again}\n  ${htmlReport?.[2]}\n`);
    expect(charts(await readFile(again, 'utf8'))).toEqual(charts(html));
    await rm(again, { force: true });

    const code = await demo.stop();
    stdout = demo.output();

    for (const service of ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready in`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(code).toBe(0);
    expect(stdout).toContain(`in namespace ${namespace}`);
    expect(stdout).toContain(`${namespace}.events.raw, ${namespace}.events.validated`);
    expect(stdout).toContain(`${allTopics.length} topics exist; 6 of 6 services are ready.`);
    // The history, day by day, then what the stores made of it.
    expect(stdout).toMatch(/^2001-05-08 +[\d,]+ events/m);
    expect(stdout).toMatch(/^ingestion: accepted [\d,]+, rejected 0, duplicates 0 /m);
    expect(stdout).toMatch(/^airport +[\d,]+ snapshots of [\d,]+ airports in ClickHouse/m);
    // The first model, made champion by the trainer's policy (no champion yet).
    expect(stdout).toMatch(/^primary v\d+ \(gbdt\) registered: holdout AUC 0\.\d{4}$/m);
    expect(stdout).toMatch(/^champion → v2: .*no champion yet$/m);
    // Serving day by day, each flight asked before its events are replayed.
    expect(stdout).toMatch(/^2001-05-21 +[\d,]+ flights answered \(.*v2 champion/m);
    // The report: every count from the run.
    const events = /^Events: ([\d,]+) replayed \(([\d,]+) of history, ([\d,]+) while serving\); ingestion accepted ([\d,]+), rejected 0, duplicates 0; the feature pipeline aggregated ([\d,]+)\./m.exec(stdout);
    expect(events).not.toBeNull();
    const [replayed, history, serving, accepted, aggregated] = (events ?? []).slice(1).map((n) => Number(n.replaceAll(',', '')));
    expect(replayed).toBe((history ?? 0) + (serving ?? 0));
    expect(accepted).toBe(replayed);
    expect(aggregated).toBe(replayed);
    expect(stdout).toMatch(/^ {2}v2 primary gbdt\b.*: trained on 2001-05-08 00:00 → /m);
    const answered = /^ {2}answered ([\d,]+) of ([\d,]+) departing flights/m.exec(stdout);
    expect(Number(answered?.[1]?.replaceAll(',', ''))).toBeGreaterThan(0.95 * Number(answered?.[2]?.replaceAll(',', '')));
    const v2 = /^ {4}v2 champion +([\d,]+) answers .*; ([\d,]+) outcomes: AUC (0\.\d{4})/m.exec(stdout);
    expect(Number(v2?.[3])).toBeGreaterThan(0.55);
    expect(stdout).toMatch(/^Timeline \(wall clock since the start, event time, step\):$/m);
    expect(stdout).toMatch(/^ {2}\+ +[\d.]+ s {3}2001-05-2\d \d\d:\d\d {3}training\.requested by tributary-demo \(tributary demo: the first model\): train on 2001-05-08 00:00 → 05-21 00:00$/m);
    expect(stdout).toMatch(/^ {2}\+ +[\d.]+ s {3}2001-05-21 \d\d:\d\d {3}inference serves v2 champion \(primary\) from here$/m);

    // The loop: 21 May's window raises a calibration alarm, the monitor asks for training once (its cooldown holds the rest back),
    // the trainer registers a version for that report and its policy decides on the same holdout.
    expect(stdout).toMatch(/^ {2}◆ drift\.detected {2}v2, window 2001-05-21 00:00 → 05-22 00:00: calibration_gap 0\.\d+/m);
    const requested = /^ {2}◆ training\.requested by drift-monitor \(drift report ([0-9a-f]{8})\): train on 2001-05-08 00:00 → 05-22 00:00$/m.exec(stdout);
    expect(requested).not.toBeNull();
    expect(stdout).toContain('Training requests: 2 (1 by the drift monitor)');
    expect(stdout).toMatch(/^ {2}2001-05-21 00:00 → 05-22 00:00 {2}v2 {2}[\d,]+ predictions, [\d,]+ outcomes: calibration_gap/m);
    const trainedFor = /^ {2}v4 primary gbdt.*\n(?: {6}.*\n)*? {6}(promoted|not promoted): .*vs champion v2.*\n {6}trained for drift report ([0-9a-f-]{36})$/m.exec(stdout);
    expect(trainedFor?.[2]?.startsWith(requested?.[1] ?? '-')).toBe(true);
    expect(trainedFor?.[1]).toBe('promoted');
    expect(stdout).toMatch(/^ {2}◆ champion → v4 \(was v2\): training request [0-9a-f-]+: better than the champion/m);
    expect(stdout).toMatch(/^ {2}\+ +[\d.]+ s {3}2001-05-22 \d\d:\d\d {3}inference serves v4 champion \(primary\) from here$/m);
    expect(stdout).toMatch(/^ {4}v4 champion +[\d,]+ answers .*; [\d,]+ outcomes: AUC 0\.\d{4}/m);

    // Everything it wrote is in its namespace…
    const ours = await holdings(namespace);
    expect(Object.keys(ours.offsets)).toHaveLength(allTopics.length);
    expect(ours.rawEvents).toBe(replayed);
    for (const [pattern, n] of Object.entries(ours.keys)) expect(n, pattern).toBeGreaterThan(0);
    expect(ours.artifacts).toBeGreaterThan(0);
    // …and nothing in the user's: the same topic offsets, raw events, Redis keys and artifacts as before it ran.
    expect(await holdings(undefined)).toEqual(usersBefore);
  }, 560_000);
});

/** The secure demo's namespace, and the services it starts. */
const secureNamespace = `demosec_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
const services = ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor'];
/** Secure servers of its own: the first run on a machine installs them. */
const secureColdInstallMs = 15 * 60_000;

/** The environment a process was started with, from /proc. */
async function startEnvironment(pid: number): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(text.split('\0').filter((entry) => entry.includes('=')).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** Whether `principal` (its own env file's credentials) may produce to `topic`; the broker's refusal, if any. */
async function produceAs(home: string, principal: string, topic: string): Promise<string> {
  // Brokers and SASL credentials from the principal's env file alone, as its service reads them.
  const env = await readSecureClientEnvFile(home, principal);
  const kafka = createKafkaClient({ clientId: `demo-secure-spec-${principal}`, env, logger: createLogger({ name: 'demo-secure-spec', level: 'silent' }) });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: 'spec', value: 'not an event' }] });
    return 'written';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await producer.disconnect();
  }
}

describe('tributary demo --secure', () => {
  /** Its own secure servers' home and environment, and the demo, stopped after even when a check failed while it kept running. */
  let home: string | undefined;
  let infraEnv: NodeJS.ProcessEnv | undefined;
  let secureDemo: ChildProcess | undefined;

  afterAll(async () => {
    if (secureDemo && secureDemo.exitCode === null && secureDemo.signalCode === null) {
      const exited = once(secureDemo, 'exit');
      secureDemo.kill('SIGINT');
      await exited;
    }
    // The secure servers the demo started are this spec's own: they go with their home.
    if (infraEnv) await createInfra({ env: infraEnv }).down();
    if (home) await rm(home, { recursive: true, force: true });
  }, 120_000);

  it('runs the closed loop on secure servers with every service as its own principal (its own credentials and certificate, mutual TLS and per-RPC authorization between them) and the demo as the operator, nothing as the admin', async () => {
    const isolated = await isolatedInfraEnv();
    const dir = isolated.home;
    home = dir;
    infraEnv = isolated.env;
    // The slice of the plain run above: its drift alarm leads to a retrained model better than the champion.
    const demo = await startKeptDemo(
      ['--secure', '--every', '16', '--from', '2001-05-08', '--train-until', '2001-05-21', '--until', '2001-05-23'],
      { ...isolated.env, TRIBUTARY_NAMESPACE: secureNamespace },
      secureColdInstallMs,
      (child) => (secureDemo = child),
    );
    let stdout = demo.output();

    // Each service was started with its own principal's credentials and certificate, and no one else's password.
    const secrets: InfraSecrets = await ensureInfraSecrets(dir);
    for (const service of services) {
      const pid = Number(new RegExp(`^${service}\\s+ready in .* pid (\\d+)$`, 'm').exec(stdout)?.[1]);
      const env = await startEnvironment(pid);
      expect([env['KAFKA_SASL_USERNAME'], env['CLICKHOUSE_USER'], env['TLS_CERT_FILE']?.endsWith(`/${service}-cert.pem`)], service).toEqual([service, service, true]);
      expect(env['REDIS_URL'], service).toMatch(new RegExp(`^redis://${service}:`));
      const others = Object.entries(secrets).filter(([principal]) => principal !== service);
      for (const [principal, password] of others) expect(Object.values(env).some((value) => value.includes(password)), `${service} holds ${principal}'s password`).toBe(false);
    }
    // The brokers hold each to its ACLs: inference may write its predictions, not the validated events ingestion owns.
    expect(await produceAs(dir, 'inference', `${secureNamespace}.predictions.logged`)).toBe('written');
    expect(await produceAs(dir, 'inference', `${secureNamespace}.events.validated`)).toMatch(/not authorized/i);
    // Per-RPC authorization between the services: the registry refused the trainer moving champion, and audited it.
    const registryLog = await readFile(join(dir, 'logs', 'registry.log'), 'utf8');
    expect(registryLog).toMatch(/"event":"grpc\.refused","method":"\/tributary\.v1\.ModelRegistryService\/SetAlias","code":"PERMISSION_DENIED","reason":"permission denied: trainer may not call/);

    const code = await demo.stop();
    stdout = demo.output();
    expect(code, stdout).toBe(0);

    expect(stdout).toContain("The demo's own calls (topics, the replay, store reads, champion moves, Predict) run as principal operator; nothing runs as admin.");
    for (const service of services) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready\\s+\\S`, 'm'));
      expect(stdout).toMatch(new RegExp(`^${service}\\s+as principal ${service}: Kafka, Redis and ClickHouse user ${service}, certificate \\S+/${service}-cert\\.pem$`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(stdout).toContain('Kafka, ClickHouse and Redis run on loopback, secure; 8 topics exist; 6 of 6 services are ready.');
    expect(stdout).toContain(`Ran secure: ${services.map((s) => `${s} as ${s}`).join(', ')}; the demo as operator; admin only set the servers up.`);

    // The loop, closed: the trainer recommends, the operator moves champion, inference serves it; drift, retraining, the new champion served.
    expect(stdout).toMatch(/^ingestion: accepted [\d,]+, rejected 0, duplicates 0 /m);
    expect(stdout).toMatch(/^champion → v2: operator approved the trainer, which recommends it as champion: no champion yet$/m);
    expect(stdout).toMatch(/^ {2}\+ +[\d.]+ s {3}2001-05-21 \d\d:\d\d {3}inference serves v2 champion \(primary\) from here$/m);
    const answered = /^ {2}answered ([\d,]+) of ([\d,]+) departing flights/m.exec(stdout);
    const [asked, of] = [answered?.[1], answered?.[2]].map((n) => Number(n?.replaceAll(',', '')));
    expect(asked).toBeGreaterThan(0.95 * (of ?? 0));
    // Inference reads the online features with its read-only Redis user: an empty window's mean is missing now and then, but no
    // feature is missing from (nearly) every answer, as all were when its reads were refused.
    const mostOften = /answers had features with no online value .*, most often \S+ ([\d,]+)/.exec(stdout)?.[1];
    expect(Number(mostOften?.replaceAll(',', '') ?? '0')).toBeLessThan(0.8 * (asked ?? 0));
    expect(stdout).toMatch(/^ {2}◆ drift\.detected {2}v2, window 2001-05-21 00:00 → 05-22 00:00/m);
    expect(stdout).toMatch(/^ {2}◆ champion → v4 \(was v2\): operator approved the trainer, which recommends it as champion: better than the champion/m);
    expect(stdout).toMatch(/^ {2}\+ +[\d.]+ s {3}2001-05-22 \d\d:\d\d {3}inference serves v4 champion \(primary\) from here$/m);
  }, secureColdInstallMs + 300_000);
});
