// Runs the built command as a user would: `npm test` builds every project first (tools/bootstrap.mjs).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { inNamespace } from '@tributary/config';
import { findWorkspaceRoot, localEndpoints } from '@tributary/infra';
import { allTopics, createKafkaClient } from '@tributary/kafka';
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
const kafka = createKafkaClient({ clientId: 'demo-spec', brokers: endpoints.kafkaBrokers });
const clickhouse = createClient({ url: endpoints.clickhouseUrl });
const redis = new Redis(endpoints.redisUrl);

/** What the platform holds under a namespace (none: the user's): topic end offsets, raw events, Redis keys, artifact files. */
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
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) n += batch.length;
    keys[pattern] = n;
  }
  const artifactDir = join(findWorkspaceRoot(), inNamespace(ns, 'directory', ARTIFACTS));
  const artifacts = existsSync(artifactDir) ? readdirSync(artifactDir, { recursive: true }).length : 0;
  return { offsets, rawEvents, keys, artifacts };
}

afterAll(async () => {
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
}, 120_000);

describe('tributary demo', () => {
  it('brings up the local servers, the topics and all six services, replays flights into features, trains and promotes a model, and stops them on Ctrl-C — all in its namespace, leaving the user\'s untouched', async () => {
    const usersBefore = await holdings(undefined);
    // A day and a bit of flights: the least the trainer's time split (train → validation → holdout) has enough labels in.
    const demo = spawn(process.execPath, [cli, 'demo', '--flights', '20000', '--keep-running'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TRIBUTARY_NAMESPACE: namespace },
    });
    let stdout = '';
    const exited = once(demo, 'exit');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not finish its run in time:\n${stdout}`)), 460_000);
      demo.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Services keep running; Ctrl-C stops them')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`the demo exited before Ctrl-C:\n${stdout}`)));
    });
    demo.kill('SIGINT');
    const [code] = (await exited) as [number | null];

    for (const service of ['ingestion', 'registry', 'feature-pipeline', 'trainer', 'inference', 'drift-monitor']) {
      expect(stdout).toMatch(new RegExp(`^${service}\\s+ready in`, 'm'));
      expect(stdout).toContain(`${service} (stopped)`);
    }
    expect(code).toBe(0);
    expect(stdout).toContain(`in namespace ${namespace}`);
    expect(stdout).toContain(`${namespace}.events.raw, ${namespace}.events.validated`);
    expect(stdout).toContain('7 topics exist; 6 of 6 services are ready.');
    expect(stdout).toContain('published 40,000 events');
    expect(stdout).toContain('Ingestion accounted for 40,000 of 40,000 replayed events.');
    // A fresh namespace: every event is new to it, and the model gets its first champion.
    expect(stdout).toMatch(/^duplicates 0 /m);
    expect(stdout).toMatch(/^airport +[\d,]+ snapshots of [\d,]+ airports in ClickHouse/m);
    expect(stdout).toMatch(/^ +online \(Redis\) for [A-Z]{3}: .*departures_1h/m);
    expect(stdout).toMatch(/^route +[\d,]+ snapshots of [\d,]+ routes/m);
    expect(stdout).toMatch(/^primary v\d+ \(gbdt\) registered: holdout AUC 0\.\d{4}$/m);
    expect(stdout).toMatch(/^fallback v\d+ \(logistic_regression\) registered/m);
    expect(stdout).toMatch(/^champion → v2 \(gbdt, holdout AUC 0\.\d{4}\), approved by tributary-demo$/m);
    expect(stdout).toContain('The trainer trained, verified and registered flight-delay;');
    // The flights after the window, served over gRPC by the new champion and judged against their outcomes.
    expect(stdout).toMatch(/^answered [\d,]+ of 2,000 flights \(4 gRPC clients\)/m);
    expect(stdout).toMatch(/^served by primary [\d,]+.*; versions v2 champion [\d,]+/m);
    const auc = Number(/AUC of the served probabilities (0\.\d{4})/.exec(stdout)?.[1]);
    expect(auc).toBeGreaterThan(0.55);

    // Everything it wrote is in its namespace…
    const ours = await holdings(namespace);
    expect(Object.keys(ours.offsets)).toHaveLength(allTopics.length);
    expect(ours.rawEvents).toBeGreaterThan(39_000);
    for (const [pattern, n] of Object.entries(ours.keys)) expect(n, pattern).toBeGreaterThan(0);
    expect(ours.artifacts).toBeGreaterThan(0);
    // …and nothing in the user's: the same topic offsets, raw events, Redis keys and artifacts as before it ran.
    expect(await holdings(undefined)).toEqual(usersBefore);
  }, 560_000);
});
