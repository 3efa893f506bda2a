import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Health, HealthCheckResponse_ServingStatus, ModelRegistryService } from '@tributary/contracts';
import { Code } from '@tributary/errors';
import { createLogger, getMetricsRegistry } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RemoteCallError,
  createAccessPolicy,
  createGrpcChannel,
  createGrpcClient,
  createGrpcServer,
  ensureServiceCertificates,
  platformAccessRules,
  type GrpcChannel,
  type GrpcServer,
  type PeerIdentity,
  type ServiceCertificates,
} from './index.js';

/** Reads what the registry's handlers saw: the identity the server put on each call. */
const seenPeers: (PeerIdentity | undefined)[] = [];

async function refusedCount(labels: Record<string, string>): Promise<number> {
  const metric = getMetricsRegistry().getSingleMetric('grpc_server_refused_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0);
}

async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const error = await call.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof RemoteCallError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe('authorization by certificate identity', () => {
  let dir: string;
  let certificates: ServiceCertificates;
  let foreign: ServiceCertificates;
  let server: GrpcServer;
  let port: number;
  let auditFile: string;
  const channels: GrpcChannel[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-access-'));
    certificates = await ensureServiceCertificates({ dir, namespace: 'spec', services: ['registry', 'trainer', 'inference', 'operator'] });
    // Same CA, another namespace: a valid certificate of somebody else's deployment.
    foreign = await ensureServiceCertificates({ dir, namespace: 'elsewhere', services: ['trainer'] });
    auditFile = join(dir, 'audit.jsonl');
    const own = certificates.services['registry'];
    if (!own) throw new Error('no registry certificate');
    server = createGrpcServer({
      address: '127.0.0.1:0',
      logger: createLogger({ name: 'access-spec', level: 'silent' }),
      tls: { cert: { path: own.certFile }, key: { path: own.keyFile }, clientCa: { path: certificates.caFile }, requireClientCert: true },
      access: { policy: createAccessPolicy(platformAccessRules()), auditLogFile: auditFile },
    });
    server.register(ModelRegistryService, {
      async registerModelVersion(requests, context) {
        for await (const _request of requests) seenPeers.push(context.peer);
        return { modelVersion: { modelName: 'm', version: 1 } };
      },
      getModelVersion: (_request, context) => {
        seenPeers.push(context.peer);
        return { modelVersion: { modelName: 'm', version: 1 } };
      },
      listModelVersions: () => ({}),
      setAlias: (request) => ({ alias: { modelName: request.modelName, alias: request.alias, version: request.version } }),
      deleteAlias: () => ({}),
      approveModelVersion: () => ({}),
      getAuditHistory: () => ({}),
      async *downloadArtifact() {},
    });
    port = await server.start();
  });

  afterAll(async () => {
    for (const channel of channels) channel.close();
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function registryAs(identity: string, from: ServiceCertificates = certificates) {
    const files = from.services[identity];
    if (!files) throw new Error(`no certificate for ${identity}`);
    const channel = createGrpcChannel({
      address: `127.0.0.1:${port}`,
      tls: { ca: { path: certificates.caFile }, cert: { path: files.certFile }, key: { path: files.keyFile } },
    });
    channels.push(channel);
    return createGrpcClient(ModelRegistryService, channel);
  }

  it('issues certificates whose SAN carries the SPIFFE id', () => {
    expect(certificates.services['trainer']?.spiffeId).toBe('spiffe://tributary.local/ns/spec/sa/trainer');
    expect(readFileSync(certificates.services['trainer']?.certFile ?? '', 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a client without a certificate at the TLS handshake', async () => {
    const channel = createGrpcChannel({ address: `127.0.0.1:${port}`, tls: { ca: { path: certificates.caFile } }, timeoutMs: 2_000 });
    channels.push(channel);
    const { code } = await codeOf(createGrpcClient(ModelRegistryService, channel).getModelVersion({ modelName: 'm' }));
    expect(code).toBe(Code.Unavailable);
  });

  it('lets the inference identity read the registry, and tells the handler who called', async () => {
    const response = await registryAs('inference').getModelVersion({ modelName: 'm' });
    expect(response.modelVersion?.version).toBe(1);
    expect(seenPeers.at(-1)?.spiffeId).toBe('spiffe://tributary.local/ns/spec/sa/inference');
  });

  it('refuses inference registering a version with PERMISSION_DENIED, counted and audited', async () => {
    const labels = { grpc_method: 'RegisterModelVersion', grpc_code: 'PERMISSION_DENIED', reason: 'policy' };
    const before = await refusedCount(labels);
    async function* upload() {
      yield { content: { case: 'metadata' as const, value: { modelName: 'm' } } };
    }
    const { code, message } = await codeOf(registryAs('inference').registerModelVersion(upload()));
    expect(code).toBe(Code.PermissionDenied);
    expect(message).toContain('inference may not call /tributary.v1.ModelRegistryService/RegisterModelVersion');
    expect(await refusedCount(labels)).toBe(before + 1);
    // The file stream writes asynchronously; the line is there once the write settles.
    await expect.poll(() => readFileSync(auditFile, 'utf8')).toContain('RegisterModelVersion');
    const entry = readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).at(-1);
    expect(entry).toMatchObject({
      event: 'grpc.refused',
      method: '/tributary.v1.ModelRegistryService/RegisterModelVersion',
      code: 'PERMISSION_DENIED',
      peer: 'spiffe://tributary.local/ns/spec/sa/inference',
    });
  });

  it('lets the trainer register a version', async () => {
    async function* upload() {
      yield { content: { case: 'metadata' as const, value: { modelName: 'm' } } };
    }
    expect((await registryAs('trainer').registerModelVersion(upload())).modelVersion?.version).toBe(1);
  });

  it('lets the trainer move challenger but not champion; an operator moves champion', async () => {
    const move = (alias: string) => ({ modelName: 'm', alias, version: 2 });
    expect((await registryAs('trainer').setAlias(move('challenger'))).alias?.version).toBe(2);
    const refused = await codeOf(registryAs('trainer').setAlias(move('champion')));
    expect(refused.code).toBe(Code.PermissionDenied);
    expect(refused.message).toContain('only an operator moves champion');
    expect((await registryAs('operator').setAlias(move('champion'))).alias?.version).toBe(2);
  });

  it('refuses approvals by anyone but an operator', async () => {
    expect((await codeOf(registryAs('trainer').approveModelVersion({ modelName: 'm', version: 2 }))).code).toBe(Code.PermissionDenied);
    await expect(registryAs('operator').approveModelVersion({ modelName: 'm', version: 2 })).resolves.toBeDefined();
  });

  it('refuses an identity of another namespace with UNAUTHENTICATED, even on a method its role could call', async () => {
    const before = await refusedCount({ grpc_code: 'UNAUTHENTICATED', reason: 'foreign-identity' });
    const { code, message } = await codeOf(registryAs('trainer', foreign).getModelVersion({ modelName: 'm' }));
    expect(code).toBe(Code.Unauthenticated);
    expect(message).toContain('spiffe://tributary.local/ns/elsewhere/sa/trainer');
    expect(await refusedCount({ grpc_code: 'UNAUTHENTICATED', reason: 'foreign-identity' })).toBe(before + 1);
  });

  it('answers health checks from any verified peer, whatever its role', async () => {
    const files = foreign.services['trainer'];
    const channel = createGrpcChannel({
      address: `127.0.0.1:${port}`,
      tls: { ca: { path: certificates.caFile }, cert: { path: files?.certFile ?? '' }, key: { path: files?.keyFile ?? '' } },
    });
    channels.push(channel);
    const response = await createGrpcClient(Health, channel).check({ service: '' });
    expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });
});
