import { Health, HealthCheckResponse_ServingStatus as ServingStatus, InferenceService } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGrpcChannel, createGrpcClient, createGrpcServer, type Client, type GrpcChannel, type GrpcServer } from './index.js';

const INFERENCE = 'tributary.v1.InferenceService';

describe('grpc.health.v1 on createGrpcServer()', () => {
  let server: GrpcServer;
  let channel: GrpcChannel;
  let health: Client<typeof Health>;

  beforeEach(async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger: createLogger({ name: 'health-test', level: 'silent' }) });
    server.register(InferenceService, { predict: () => ({}), predictBatch: () => ({}) });
    const port = await server.start();
    channel = createGrpcChannel({ address: `127.0.0.1:${port}` });
    health = createGrpcClient(Health, channel);
  });

  afterEach(async () => {
    channel.close();
    await server.shutdown();
  });

  it('reports the server and each registered service SERVING once started', async () => {
    await expect(health.check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
    await expect(health.check({ service: INFERENCE })).resolves.toMatchObject({ status: ServingStatus.SERVING });
  });

  it('reports NOT_SERVING after a service marks itself so', async () => {
    server.health.setStatus(INFERENCE, 'NOT_SERVING');
    await expect(health.check({ service: INFERENCE })).resolves.toMatchObject({ status: ServingStatus.NOT_SERVING });
    await expect(health.check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
  });

  it('answers Check for an unknown service with NOT_FOUND', async () => {
    await expect(health.check({ service: 'no.such.Service' })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it('streams the current status and every change through Watch, ending at shutdown', async () => {
    const seen: ServingStatus[] = [];
    const watching = (async () => {
      for await (const response of health.watch({ service: INFERENCE })) {
        seen.push(response.status);
        if (seen.length === 1) server.health.setStatus(INFERENCE, 'NOT_SERVING');
        if (seen.length === 2) server.health.setStatus(INFERENCE, 'SERVING');
        if (seen.length === 3) void server.shutdown();
      }
    })();
    await watching;
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('watches a service not known yet as SERVICE_UNKNOWN until it is set', async () => {
    const seen: ServingStatus[] = [];
    const controller = new AbortController();
    const watching = (async () => {
      for await (const response of health.watch({ service: 'late.Service' }, { signal: controller.signal })) {
        seen.push(response.status);
        if (seen.length === 1) server.health.setStatus('late.Service', 'SERVING');
        if (seen.length === 2) controller.abort();
      }
    })();
    await expect(watching).rejects.toMatchObject({ code: Code.Cancelled });
    expect(seen).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
  });
});
