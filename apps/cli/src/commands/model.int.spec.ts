/**
 * `tributary model approve|promote` against a registry with mutual TLS and
 * per-call authorization (run from source, its certificates from a local CA
 * as `infra up --secure` makes them): the operator identity approves and moves
 * `champion`; another service's identity is refused with PERMISSION_DENIED.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ModelRegistryService } from '@tributary/contracts';
import { createGrpcChannel, createGrpcClient, ensureServiceCertificates, type GrpcChannel, type ServiceCertificates } from '@tributary/grpc';
import { secretsDir } from '@tributary/infra';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, startRegistryProcess, type RegistryProcess } from '../testing/cli-run.fixture.js';
import { refusedExitCode, registerModelCommand } from './model.js';
import { platformNames } from './platform-names.js';

const suffix = randomBytes(4).toString('hex');
const modelName = `cli-operator-${suffix}`;
let home: string;
let certificates: ServiceCertificates;
let registry: RegistryProcess;
const channels: GrpcChannel[] = [];

/** A channel to the registry as `service`, with its certificate. */
function channelAs(service: string): GrpcChannel {
  const files = certificates.services[service];
  if (!files) throw new Error(`no certificate for ${service}`);
  const channel = createGrpcChannel({ address: registry.address, timeoutMs: 10_000, tls: { ca: { path: certificates.caFile }, cert: { path: files.certFile }, key: { path: files.keyFile } } });
  channels.push(channel);
  return channel;
}

/** The command line's certificate flags of `service`. */
function certificateFlags(service: string): string[] {
  const files = certificates.services[service];
  return ['--cert', files?.certFile ?? '', '--key', files?.keyFile ?? '', '--ca', certificates.caFile];
}

const model = (...args: string[]) => runCommand(registerModelCommand, 'model', ...args, '--registry', registry.address, '--reason', 'cli operator spec');

beforeAll(async () => {
  // The layout `infra up --secure` leaves under TRIBUTARY_HOME, so the command's default finds the operator's files.
  home = await mkdtemp(join(tmpdir(), 'cli-operator-'));
  certificates = await ensureServiceCertificates({
    dir: join(secretsDir(home), 'pki'),
    namespace: platformNames().namespace ?? 'default',
    services: ['registry', 'trainer', 'inference', 'operator'],
  });
  const own = certificates.services['registry'];
  registry = await startRegistryProcess(`cli-operator-${suffix}`, { TLS_CERT_FILE: own?.certFile ?? '', TLS_KEY_FILE: own?.keyFile ?? '', TLS_CA_FILE: certificates.caFile });
  // Only the trainer registers versions.
  const artifact = randomBytes(2048);
  await createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channelAs('trainer'))).register(
    {
      modelName,
      modelType: 'gbdt',
      featureNames: ['distance'],
      artifactSha256: createHash('sha256').update(artifact).digest('hex'),
      artifactSizeBytes: BigInt(artifact.byteLength),
      artifactFormat: 'onnx',
      createdBy: 'trainer',
      lineage: { trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 0, 1)), endTime: timestampFromMs(Date.UTC(2001, 1, 1)) }, featureDefinitionsHash: 'ab', codeVersion: 'spec' },
    },
    artifact,
  );
}, 120_000);

afterAll(async () => {
  for (const channel of channels) channel.close();
  await registry?.stop();
  await rm(home, { recursive: true, force: true });
});

const champion = async () => (await createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channelAs('inference'))).getByAlias(modelName, 'champion'))?.version;

describe('tributary model, against a registry with mutual TLS', () => {
  it("refuses another service's identity with PERMISSION_DENIED and says what identity it takes", async () => {
    const approve = await model('approve', modelName, '1', ...certificateFlags('trainer'));
    expect(approve.code).toBe(refusedExitCode);
    expect(approve.output).toContain('the registry refused the call (PermissionDenied)');
    expect(approve.output).toContain('only an operator approves');
    expect(approve.output).toContain('operator identity');

    const promote = await model('promote', modelName, '1', ...certificateFlags('inference'));
    expect(promote.code).toBe(refusedExitCode);
    expect(promote.output).toContain('PermissionDenied');
    expect(await champion()).toBeUndefined();
  });

  it('approves and moves champion with the operator certificate of the local PKI', async () => {
    const previous = process.env['TRIBUTARY_HOME'];
    process.env['TRIBUTARY_HOME'] = home;
    try {
      const approve = await model('approve', modelName, '1', '--tls', '--actor', 'sre-on-call');
      expect(approve).toEqual({ code: 0, output: `✓ ${modelName} v1 approved by sre-on-call` });
      const promote = await model('promote', modelName, '1', '--tls', '--expect', '0');
      expect(promote).toEqual({ code: 0, output: `✓ ${modelName}@champion → v1` });
    } finally {
      if (previous === undefined) delete process.env['TRIBUTARY_HOME'];
      else process.env['TRIBUTARY_HOME'] = previous;
    }
    expect(await champion()).toBe(1);
  });

  it('says which file is missing when no operator certificate is there', async () => {
    const result = await model('approve', modelName, '1', '--cert', join(home, 'nowhere.pem'), '--key', join(home, 'nowhere-key.pem'), '--ca', certificates.caFile);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`no ${join(home, 'nowhere.pem')}: run \`tributary infra up --secure\``);
  });
});
