import { Health, HealthCheckResponse_ServingStatus as ServingStatus, InferenceService } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createLogger } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { createLifecycle, startServiceHost } from './index.js';

const logger = createLogger({ name: 'service-host-test', level: 'silent' });
const config = {
  grpc: { host: '127.0.0.1', port: 0 },
  ops: { host: '127.0.0.1', port: 0 },
  auth: { token: 'a-token-of-16-chars-or-more', tls: {} },
  shutdown: { timeoutMs: 2_000 },
};

describe('startServiceHost()', () => {
  it('serves gRPC health and the ops endpoints, ready once the lifecycle is, and closes both on shutdown', async () => {
    const exits: number[] = [];
    const lifecycle = createLifecycle({ logger, signals: [], exit: (code) => exits.push(code) });
    const host = await startServiceHost({ name: 'demo', version: '1.2.3', config, lifecycle, logger, checks: { extra: () => true } });
    const channel = createGrpcChannel({ address: `127.0.0.1:${host.grpcPort}` });
    const health = createGrpcClient(Health, channel);
    try {
      await expect(health.check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
      const before = await fetch(`http://127.0.0.1:${host.opsPort}/readyz`);
      expect(before.status).toBe(503);
      lifecycle.markReady();
      const after = await fetch(`http://127.0.0.1:${host.opsPort}/readyz`);
      expect(after.status).toBe(200);
      expect(await after.json()).toMatchObject({ checks: { lifecycle: { status: 'up' }, extra: { status: 'up' } } });
      await expect(fetch(`http://127.0.0.1:${host.opsPort}/version`).then((r) => r.json())).resolves.toMatchObject({ name: 'demo', version: '1.2.3' });
    } finally {
      channel.close();
    }
    await lifecycle.shutdown();
    expect(exits).toEqual([0]);
    await expect(fetch(`http://127.0.0.1:${host.opsPort}/healthz`)).rejects.toThrow();
  });

  it('applies the configured bearer token to every service but health', async () => {
    const lifecycle = createLifecycle({ logger, signals: [], exit: () => undefined });
    const host = await startServiceHost({
      name: 'secured',
      version: '0.0.0',
      config,
      lifecycle,
      logger,
      registerServices: (server) => server.register(InferenceService, { predict: () => ({}), predictBatch: () => ({}) }),
    });
    const channel = createGrpcChannel({ address: `127.0.0.1:${host.grpcPort}` });
    try {
      await expect(createGrpcClient(InferenceService, channel).predict({})).rejects.toMatchObject({ code: Code.Unauthenticated });
      await expect(createGrpcClient(Health, channel).check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
    } finally {
      channel.close();
      await lifecycle.shutdown();
    }
  });
});
