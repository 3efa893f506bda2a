import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceService } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcChannel, createGrpcClient, createGrpcServer, type ClientTlsOptions, type GrpcChannel, type GrpcServer } from './index.js';

/** A throwaway self-signed certificate for localhost, made with the openssl CLI. */
function createSelfSignedCertificate(dir: string, name = 'server'): { certPath: string; keyPath: string } {
  const certPath = join(dir, `${name}-cert.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return { certPath, keyPath };
}

describe('TLS', () => {
  let dir: string;
  let server: GrpcServer;
  let port: number;
  let certPath: string;
  const channels: GrpcChannel[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    const files = createSelfSignedCertificate(dir);
    certPath = files.certPath;
    server = createGrpcServer({
      address: '127.0.0.1:0',
      tls: { cert: { path: files.certPath }, key: { pem: readFileSync(files.keyPath) } },
      logger: createLogger({ name: 'tls-test', level: 'silent' }),
    });
    server.register(InferenceService, { predict: (request) => ({ modelName: request.modelName }), predictBatch: () => ({}) });
    port = await server.start();
  });

  afterAll(async () => {
    for (const channel of channels) channel.close();
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function client(tls?: ClientTlsOptions, serverPort = port) {
    const channel = createGrpcChannel({ address: `localhost:${serverPort}`, ...(tls ? { tls } : {}) });
    channels.push(channel);
    return createGrpcClient(InferenceService, channel);
  }

  it('completes a round trip when the client trusts the server certificate', async () => {
    const response = await client({ ca: { path: certPath } }).predict({ modelName: 'over-tls' });
    expect(response.modelName).toBe('over-tls');
  });

  it('fails when the client does not trust the certificate', async () => {
    await expect(client({}).predict({ modelName: 'm' }, { timeoutMs: 2_000 })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
  });

  it('requires a trusted client certificate under mutual TLS', async () => {
    const clientFiles = createSelfSignedCertificate(dir, 'client');
    const mutual = createGrpcServer({
      address: '127.0.0.1:0',
      tls: { cert: { path: certPath }, key: { path: join(dir, 'server-key.pem') }, clientCa: { path: clientFiles.certPath }, requireClientCert: true },
      logger: createLogger({ name: 'mtls-test', level: 'silent' }),
    });
    mutual.register(InferenceService, { predict: () => ({ modelName: 'mutual' }), predictBatch: () => ({}) });
    const mutualPort = await mutual.start();
    try {
      const withCertificate = client({ ca: { path: certPath }, cert: { path: clientFiles.certPath }, key: { path: clientFiles.keyPath } }, mutualPort);
      await expect(withCertificate.predict({})).resolves.toMatchObject({ modelName: 'mutual' });
      const withoutCertificate = client({ ca: { path: certPath } }, mutualPort);
      await expect(withoutCertificate.predict({}, { timeoutMs: 2_000 })).rejects.toMatchObject({ code: Code.Unavailable });
    } finally {
      await mutual.shutdown();
    }
  });

  it('fails when a plaintext client talks to the TLS server', async () => {
    await expect(client().predict({ modelName: 'm' }, { timeoutMs: 2_000 })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
  });
});
