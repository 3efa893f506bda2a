import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serviceBaseEnv } from './index.js';

describe('serviceBaseEnv()', () => {
  it('defaults to the service ports given and the shared settings', () => {
    const config = loadConfig(serviceBaseEnv({ grpcPort: 50_055, opsPort: 9468 }), {});
    expect(config).toMatchObject({
      grpc: { host: '0.0.0.0', port: 50_055 },
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
