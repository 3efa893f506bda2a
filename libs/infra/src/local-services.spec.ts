import { describe, expect, it } from 'vitest';
import { localServiceDefinitions } from './index.js';

describe('localServiceDefinitions', () => {
  it('puts every fixed port below the ephemeral range (Linux default 32768–60999), where an outgoing connection could take it first', () => {
    for (const service of localServiceDefinitions) {
      const ports = { gRPC: service.grpcPort, ops: service.opsPort, ...(service.restPort === undefined ? {} : { REST: service.restPort }) };
      for (const [kind, port] of Object.entries(ports)) expect(port, `${service.name} ${kind}`).toBeLessThan(32_768);
    }
  });
});
