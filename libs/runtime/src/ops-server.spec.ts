import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpsServer, OpsServerStartError, type OpsServer, type OpsServerOptions } from './index.js';

const servers: OpsServer[] = [];

async function start(options: Partial<OpsServerOptions> = {}): Promise<string> {
  const server = createOpsServer({ port: 0, host: '127.0.0.1', version: { name: 'unit', version: '1.2.3' }, ...options });
  servers.push(server);
  const port = await server.start();
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('createOpsServer()', () => {
  it('answers /healthz while the process is alive', async () => {
    const base = await start();
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'alive' });
  });

  it('answers /readyz with 200 and each check up when all pass', async () => {
    const base = await start({ checks: { kafka: async () => undefined, redis: () => true } });
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', checks: { kafka: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('answers /readyz with 503 naming each failed, false or slow check', async () => {
    let modelCheckAborted = false;
    const base = await start({
      checkTimeoutMs: 100,
      checks: {
        kafka: () => undefined,
        redis: () => Promise.reject(new Error('ECONNREFUSED')),
        clickhouse: () => false,
        model: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve((modelCheckAborted = true)))),
        registry: () => new Promise(() => undefined),
      },
    });
    const startedAt = Date.now();
    const response = await fetch(`${base}/readyz`);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not ready',
      checks: {
        kafka: { status: 'up' },
        redis: { status: 'down', error: 'ECONNREFUSED' },
        clickhouse: { status: 'down', error: 'check returned false' },
        model: { status: 'down', error: 'check model did not finish within 100 ms' },
        registry: { status: 'down', error: 'check registry did not finish within 100 ms' },
      },
    });
    expect(modelCheckAborted).toBe(true);
  });

  it('serves the registry as Prometheus text on /metrics', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'ops_spec_requests_total', help: 'requests', registers: [registry] });
    counter.inc(3);
    const base = await start({ registry });
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain('ops_spec_requests_total 3');
  });

  it('reports name, version and GIT_REVISION on /version', async () => {
    process.env['GIT_REVISION'] = 'abc1234';
    try {
      const base = await start();
      expect(await (await fetch(`${base}/version`)).json()).toEqual({ name: 'unit', version: '1.2.3', revision: 'abc1234' });
    } finally {
      delete process.env['GIT_REVISION'];
    }
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const base = await start();
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('starts and closes idempotently, and stops listening on close', async () => {
    const server = createOpsServer({ port: 0, host: '127.0.0.1', version: { name: 'unit', version: '0' } });
    const [first, second] = await Promise.all([server.start(), server.start()]);
    expect(first).toBe(second);
    await fetch(`http://127.0.0.1:${first}/healthz`);
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`http://127.0.0.1:${first}/healthz`)).rejects.toThrow();
  });

  it('fails to start with OpsServerStartError when the port is taken', async () => {
    const base = await start();
    const port = Number(new URL(base).port);
    const clash = createOpsServer({ port, host: '127.0.0.1', version: { name: 'unit', version: '0' } });
    await expect(clash.start()).rejects.toBeInstanceOf(OpsServerStartError);
    await clash.close();
  });
});
