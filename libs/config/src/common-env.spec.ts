import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, registryClientEnv, serviceBaseEnv } from './index.js';

describe('serviceBaseEnv()', () => {
  it('defaults to the service ports given and the shared settings', () => {
    const config = loadConfig(serviceBaseEnv({ grpcPort: 15_055, opsPort: 9468 }), {});
    expect(config).toMatchObject({
      grpc: { host: '0.0.0.0', port: 15_055 },
      ops: { host: '0.0.0.0', port: 9468 },
      shutdown: { timeoutMs: 10_000 },
      log: { level: 'info' },
      auth: { tls: {} },
    });
  });

  it('reads the documented variables and names every bad one', () => {
    const schema = serviceBaseEnv({ grpcPort: 1, opsPort: 2 });
    expect(loadConfig(schema, { GRPC_PORT: '7000', OPS_PORT: '7001' })).toMatchObject({ grpc: { port: 7000 }, ops: { port: 7001 } });
    expect(() => loadConfig(schema, { GRPC_PORT: 'x', OPS_PORT: '70000' })).toThrow(ConfigError);
    try {
      loadConfig(schema, { GRPC_PORT: 'x', OPS_PORT: '70000' });
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['GRPC_PORT', 'OPS_PORT']);
    }
  });
});

describe('registryClientEnv()', () => {
  it('defaults to the local registry without TLS, and reads both variables', () => {
    expect(loadConfig(registryClientEnv(), {})).toEqual({ address: '127.0.0.1:15052', tls: false });
    expect(loadConfig(registryClientEnv(), { REGISTRY_ADDRESS: 'registry:15052', REGISTRY_TLS: 'true' })).toEqual({ address: 'registry:15052', tls: true });
  });

  it('says what the service reads from the registry when told', () => {
    const described = (schema: ReturnType<typeof registryClientEnv>) => describeConfig(schema).map((doc) => [doc.name, doc.description]);
    expect(described(registryClientEnv())).toEqual([
      ['REGISTRY_ADDRESS', 'host:port of the model registry gRPC server.'],
      ['REGISTRY_TLS', 'Whether to reach the registry over TLS (verified against TLS_CA_FILE, presenting TLS_CERT_FILE/TLS_KEY_FILE when set).'],
    ]);
    expect(described(registryClientEnv({ uses: 'reference profiles' }))[0]).toEqual(['REGISTRY_ADDRESS', 'host:port of the model registry gRPC server (reference profiles).']);
  });

  it('names REGISTRY_TLS when it is not a boolean', () => {
    expect(() => loadConfig(registryClientEnv(), { REGISTRY_TLS: 'maybe' })).toThrow(/REGISTRY_TLS/);
  });
});
