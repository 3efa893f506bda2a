/**
 * Starts real Kafka, ClickHouse and Redis servers of its own: a temporary
 * TRIBUTARY_HOME and free ports, never the default ones, with the shared
 * download cache (TRIBUTARY_CACHE_DIR, default the workspace's .tributary/cache)
 * so only the first run ever installs.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedInfraEnv } from './testing/isolated-infra-env.js';
import {
  InfraUpError,
  PortTakenError,
  createInfra,
  localEndpoints,
  type Infra,
  type InfraPorts,
  type ServiceUpResult,
} from './index.js';

const coldInstallMs = 15 * 60_000;

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const byService = <T extends { service: string }>(items: readonly T[]) => Object.fromEntries(items.map((item) => [item.service, item]));

const isPortFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('createInfra() with real servers', () => {
  let infra: Infra;
  let env: NodeJS.ProcessEnv;
  let home: string;
  let ports: InfraPorts;
  let firstUp: ServiceUpResult[];

  beforeAll(async () => {
    ({ env, home, ports } = await isolatedInfraEnv());
    infra = createInfra({ env });
  });

  afterAll(async () => {
    await infra.down();
    rmSync(home, { recursive: true, force: true });
  });

  describe('up()', () => {
    it('starts every server once when called from two places at once', async () => {
      const [a, b] = await Promise.all([infra.up(), createInfra({ env }).up()]);
      firstUp = a.every((r) => r.outcome === 'started') ? a : b;
      const other = firstUp === a ? b : a;
      expect(firstUp.map((r) => r.outcome)).toEqual(['started', 'started', 'started']);
      expect(other.map((r) => r.outcome)).toEqual(['already-running', 'already-running', 'already-running']);
      expect(other.map((r) => r.pid)).toEqual(firstUp.map((r) => r.pid));
      expect(byService(firstUp)['kafka']?.listen).toBe(`127.0.0.1:${ports.kafka} (controller ${ports.kafkaController})`);
    }, coldInstallMs);

    it('serves clients at localEndpoints(), ClickHouse with DateTime64 and ASOF JOIN', async () => {
      const endpoints = localEndpoints(env);
      const redis = new Redis(endpoints.redisUrl);
      try {
        await redis.set('infra:probe', 'v');
        expect(await redis.get('infra:probe')).toBe('v');
      } finally {
        redis.disconnect();
      }
      const clickhouse = createClient({ url: endpoints.clickhouseUrl });
      try {
        const rows = await (await clickhouse.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })).json<{ version: string }>();
        expect(rows[0]?.version).toMatch(/^26\.9\./);
        // A point-in-time join as the feature store does it: for each label, the last value at or before its time.
        await clickhouse.command({ query: 'CREATE TABLE probe_values (entity String, at DateTime64(3, \'UTC\'), value Float64) ENGINE = MergeTree ORDER BY (entity, at)' });
        await clickhouse.insert({
          table: 'probe_values',
          format: 'JSONEachRow',
          values: [
            { entity: 'SFO', at: '2001-01-01 10:00:00.000', value: 1 },
            { entity: 'SFO', at: '2001-01-01 10:00:00.500', value: 2 },
            { entity: 'SFO', at: '2001-01-01 11:00:00.000', value: 3 },
          ],
        });
        const joined = await (
          await clickhouse.query({
            query: `SELECT l.label_at AS label_at, v.value AS value
                    FROM (SELECT {entity:String} AS entity, arrayJoin([toDateTime64('2001-01-01 10:00:00.499', 3, 'UTC'), toDateTime64('2001-01-01 10:30:00', 3, 'UTC')]) AS label_at) AS l
                    ASOF LEFT JOIN probe_values AS v ON l.entity = v.entity AND v.at <= l.label_at
                    ORDER BY label_at`,
            query_params: { entity: 'SFO' },
            format: 'JSONEachRow',
          })
        ).json<{ label_at: string; value: number }>();
        expect(joined).toEqual([
          { label_at: '2001-01-01 10:00:00.499', value: 1 },
          { label_at: '2001-01-01 10:30:00.000', value: 2 },
        ]);
      } finally {
        await clickhouse.close();
      }
      const admin = new kafkajs.Kafka({ brokers: endpoints.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: 'infra.survives-sigkill', numPartitions: 1 }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
    });

    it('is a no-op when everything already runs', async () => {
      const startedAt = performance.now();
      const again = await infra.up();
      expect(performance.now() - startedAt).toBeLessThan(2_000);
      expect(again.map((r) => r.outcome)).toEqual(['already-running', 'already-running', 'already-running']);
      expect(again.map((r) => r.pid)).toEqual(firstUp.map((r) => r.pid));
    });
  });

  describe('status()', () => {
    it('reports a server killed with SIGKILL as crashed, the others as running', async () => {
      const kafkaPid = byService(firstUp)['kafka']?.pid ?? 0;
      process.kill(kafkaPid, 'SIGKILL');
      await expect.poll(() => existsSync(`/proc/${kafkaPid}`)).toBe(false);
      const statuses = byService(await infra.status());
      expect(statuses['kafka']).toMatchObject({ state: 'crashed', pid: kafkaPid });
      expect(statuses['clickhouse']?.state).toBe('running');
      expect(statuses['redis']?.state).toBe('running');
    });
  });

  describe('up() after a crash', () => {
    it('restarts the crashed server with its data and leaves the others alone', async () => {
      const results = byService(await infra.up());
      expect(results['kafka']?.outcome).toBe('restarted');
      expect(results['kafka']?.pid).not.toBe(byService(firstUp)['kafka']?.pid);
      expect(results['clickhouse']?.outcome).toBe('already-running');
      expect(results['redis']?.outcome).toBe('already-running');
      const admin = new kafkajs.Kafka({ brokers: localEndpoints(env).kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).toContain('infra.survives-sigkill');
      } finally {
        await admin.disconnect();
      }
    }, 90_000);
  });

  describe('down()', () => {
    it('leaves no process behind: PIDs gone, ports free, PID files removed', async () => {
      const pids = (await infra.status()).map((s) => s.pid ?? 0);
      const stopped = await infra.down();
      expect(stopped.map((r) => r.outcome)).toEqual(['stopped', 'stopped', 'stopped']);
      // Exited at once; /proc lists them until this process (their parent here) has reaped them.
      for (const pid of pids) await expect.poll(() => existsSync(`/proc/${pid}`), { timeout: 5_000 }).toBe(false);
      for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
      expect(readdirSync(join(home, 'run'))).toEqual([]);
      expect((await infra.status()).map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped']);
    }, 60_000);

    it('is a no-op when nothing runs', async () => {
      expect((await infra.down()).map((r) => r.outcome)).toEqual(['not-running', 'not-running', 'not-running']);
    });
  });
});

describe('up() with a port held by a foreign listener', () => {
  it('names the port and the variable to change, and starts nothing', async () => {
    const { env, home, ports } = await isolatedInfraEnv();
    const foreign = createServer();
    await new Promise<void>((resolve) => foreign.listen(ports.redis, '127.0.0.1', resolve));
    try {
      const infra = createInfra({ env });
      const failure = await infra.up().catch((reason: unknown) => reason);
      expect(failure).toBeInstanceOf(InfraUpError);
      const { failures } = failure as InfraUpError;
      expect(failures.map((f) => f.error)).toEqual([expect.any(PortTakenError)]);
      expect(failures[0]?.error).toMatchObject({ service: 'redis', port: ports.redis, envVar: 'TRIBUTARY_REDIS_PORT' });
      expect(failures[0]?.error.message).toContain(`port ${ports.redis} on 127.0.0.1 is taken by something else (pid ${process.pid}`);
      expect(failures[0]?.error.message).toContain('set TRIBUTARY_REDIS_PORT to a free port');

      const statuses = byService(await infra.status());
      expect(Object.values(statuses).map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped']);
      expect(statuses['redis']?.portsTaken).toEqual([expect.stringMatching(new RegExp(`^port ${ports.redis} \\(pid ${process.pid}\\b`))]);
    } finally {
      await close(foreign);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
