import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, createSecureContext } from 'node:tls';
import { Client, credentials } from '@grpc/grpc-js';
import { InferenceService } from '@tributary/contracts';
import { createLogger } from '@tributary/observability';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createAccessPolicy,
  createGrpcChannel,
  createGrpcClient,
  createGrpcServer,
  ensureServiceCertificates,
  platformAccessRules,
  type GrpcChannel,
  type GrpcServer,
  type ServiceCertificates,
} from './index.js';

describe('the caller identity of a mutual TLS connection', () => {
  let dir: string;
  let certificates: ServiceCertificates;
  let server: GrpcServer;
  let address: string;
  const channels: GrpcChannel[] = [];
  const certificateReads = vi.spyOn(TLSSocket.prototype, 'getPeerCertificate');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-connection-identity-'));
    certificates = await ensureServiceCertificates({ dir, namespace: 'spec', services: ['inference', 'trainer', 'operator'] });
    const own = certificates.services['inference'];
    if (!own) throw new Error('no inference certificate');
    server = createGrpcServer({
      address: '127.0.0.1:0',
      logger: createLogger({ name: 'connection-identity-spec', level: 'silent' }),
      tls: { cert: { path: own.certFile }, key: { path: own.keyFile }, clientCa: { path: certificates.caFile }, requireClientCert: true },
      access: { policy: createAccessPolicy(platformAccessRules()) },
    });
    // The handler answers with the caller's service name, as the server identified it.
    server.register(InferenceService, { predict: (_request, context) => ({ modelName: context.peer?.service ?? 'nobody' }), predictBatch: () => ({}) });
    address = `127.0.0.1:${await server.start()}`;
  });

  afterEach(() => {
    for (const channel of channels.splice(0)) channel.close();
  });

  afterAll(async () => {
    certificateReads.mockRestore();
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function filesOf(identity: string) {
    const files = certificates.services[identity];
    if (!files) throw new Error(`no certificate for ${identity}`);
    return files;
  }

  function inferenceAs(identity: string) {
    const files = filesOf(identity);
    const channel = createGrpcChannel({ address, tls: { ca: { path: certificates.caFile }, cert: { path: files.certFile }, key: { path: files.keyFile } } });
    channels.push(channel);
    return createGrpcClient(InferenceService, channel);
  }

  /** A client limited to TLS 1.2, which grpc-js's own credentials cannot ask for. */
  function inferenceOverTls12As(identity: string) {
    const files = filesOf(identity);
    const context = createSecureContext({
      ca: readFileSync(certificates.caFile),
      cert: readFileSync(files.certFile),
      key: readFileSync(files.keyFile),
      maxVersion: 'TLSv1.2',
    });
    const transport = new Client(address, credentials.createFromSecureContext(context));
    const channel: GrpcChannel = { options: { address }, transport, waitForReady: () => Promise.resolve(), close: () => transport.close() };
    channels.push(channel);
    return createGrpcClient(InferenceService, channel);
  }

  it('reads the certificate on the first call of a TLS 1.3 connection only', async () => {
    const client = inferenceAs('trainer');
    expect((await client.predict({ modelName: 'm' })).modelName).toBe('trainer');
    certificateReads.mockClear();
    for (let call = 0; call < 5; call += 1) expect((await client.predict({ modelName: 'm' })).modelName).toBe('trainer');
    expect(certificateReads).not.toHaveBeenCalled();
  });

  it('identifies each connection by its own certificate', async () => {
    const trainer = inferenceAs('trainer');
    const operator = inferenceAs('operator');
    for (let call = 0; call < 3; call += 1) {
      expect((await trainer.predict({ modelName: 'm' })).modelName).toBe('trainer');
      expect((await operator.predict({ modelName: 'm' })).modelName).toBe('operator');
    }
  });

  it('reads the certificate on every call of a TLS 1.2 connection, which may renegotiate', async () => {
    const client = inferenceOverTls12As('operator');
    expect((await client.predict({ modelName: 'm' })).modelName).toBe('operator');
    certificateReads.mockClear();
    for (let call = 0; call < 3; call += 1) expect((await client.predict({ modelName: 'm' })).modelName).toBe('operator');
    expect(certificateReads).toHaveBeenCalledTimes(3);
  });
});
