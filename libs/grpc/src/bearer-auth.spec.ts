import { Health, HealthCheckResponse_ServingStatus as ServingStatus, InferenceService } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcChannel, createGrpcClient, createGrpcServer, createStaticTokenVerifier, type GrpcChannel, type GrpcServer } from './index.js';

describe('bearer-token authentication', () => {
  let server: GrpcServer;
  let address: string;
  const channels: GrpcChannel[] = [];

  function inferenceClient(token?: string) {
    const channel = createGrpcChannel(token === undefined ? { address } : { address, token });
    channels.push(channel);
    return createGrpcClient(InferenceService, channel);
  }

  beforeAll(async () => {
    server = createGrpcServer({
      address: '127.0.0.1:0',
      auth: { verifyToken: createStaticTokenVerifier(['s3cret', 'other']) },
      logger: createLogger({ name: 'auth-test', level: 'silent' }),
    });
    server.register(InferenceService, { predict: () => ({ probability: 1 }), predictBatch: () => ({}) });
    address = `127.0.0.1:${await server.start()}`;
  });

  afterAll(async () => {
    for (const channel of channels) channel.close();
    await server.shutdown();
  });

  it('refuses a call without a token with UNAUTHENTICATED', async () => {
    await expect(inferenceClient().predict({ modelName: 'm' })).rejects.toMatchObject({
      code: Code.Unauthenticated,
      message: 'missing bearer token',
    });
  });

  it('refuses a call with a wrong token with UNAUTHENTICATED', async () => {
    await expect(inferenceClient('guess').predict({ modelName: 'm' })).rejects.toMatchObject({
      code: Code.Unauthenticated,
      message: 'invalid bearer token',
    });
  });

  it('accepts a call with a valid token', async () => {
    await expect(inferenceClient('other').predict({ modelName: 'm' })).resolves.toMatchObject({ probability: 1 });
  });

  it('lets health checks through without a token', async () => {
    const channel = createGrpcChannel({ address });
    channels.push(channel);
    await expect(createGrpcClient(Health, channel).check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
  });
});
