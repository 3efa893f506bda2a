import { describe, expect, it } from 'vitest';
import { createAccessPolicy, parseSpiffeId, platformAccessRules, type PeerIdentity } from './index.js';

function as(service: string): PeerIdentity {
  const identity = parseSpiffeId(`spiffe://tributary.local/ns/test/sa/${service}`);
  if (!identity) throw new Error('bad id');
  return identity;
}

const registry = (method: string) => `/tributary.v1.ModelRegistryService/${method}`;

describe('createAccessPolicy()', () => {
  const policy = createAccessPolicy([
    { target: '/a.S/Write', allow: ['writer'], when: (request) => (request as { protectedField?: boolean }).protectedField === true, description: 'guarded' },
    { target: '/a.S/Write', allow: ['writer', 'helper'] },
    { target: 'a.Open', allow: ['*'] },
  ]);

  it('lets the first matching rule decide, a request-dependent rule before the general one', () => {
    expect(policy.decide(as('helper'), '/a.S/Write', { protectedField: false })).toEqual({ allowed: true });
    expect(policy.decide(as('helper'), '/a.S/Write', { protectedField: true })).toEqual({
      allowed: false,
      reason: 'helper may not call /a.S/Write; allowed: writer (guarded)',
    });
  });

  it('skips a request-dependent rule when there is no request (client streaming)', () => {
    expect(policy.decide(as('helper'), '/a.S/Write', undefined)).toEqual({ allowed: true });
  });

  it('allows any identity on a service-wide rule with "*"', () => {
    expect(policy.decide(as('anyone'), '/a.Open/Anything', {})).toEqual({ allowed: true });
  });

  it('refuses methods no rule names', () => {
    expect(policy.decide(as('writer'), '/a.S/Delete', {})).toEqual({ allowed: false, reason: 'no rule allows /a.S/Delete' });
  });
});

describe('platformAccessRules()', () => {
  const policy = createAccessPolicy(platformAccessRules());
  const allowed = (service: string, method: string, request: unknown = {}) => policy.decide(as(service), method, request).allowed;

  it('lets only the trainer register versions', () => {
    expect(allowed('trainer', registry('RegisterModelVersion'), undefined)).toBe(true);
    for (const service of ['inference', 'operator', 'drift-monitor', 'ingestion']) {
      expect(allowed(service, registry('RegisterModelVersion'), undefined)).toBe(false);
    }
  });

  it('lets only an operator approve, move or delete champion', () => {
    expect(allowed('operator', registry('ApproveModelVersion'))).toBe(true);
    expect(allowed('trainer', registry('ApproveModelVersion'))).toBe(false);
    expect(allowed('operator', registry('SetAlias'), { alias: 'champion' })).toBe(true);
    expect(allowed('trainer', registry('SetAlias'), { alias: 'champion' })).toBe(false);
    expect(allowed('trainer', registry('DeleteAlias'), { alias: 'champion' })).toBe(false);
    expect(allowed('trainer', registry('SetAlias'), { alias: 'challenger' })).toBe(true);
  });

  it('lets inference read the registry and nothing else of it', () => {
    for (const method of ['GetModelVersion', 'ListModelVersions', 'DownloadArtifact', 'GetAuditHistory']) {
      expect(allowed('inference', registry(method))).toBe(true);
    }
    for (const method of ['SetAlias', 'DeleteAlias', 'ApproveModelVersion']) expect(allowed('inference', registry(method), { alias: 'challenger' })).toBe(false);
    expect(allowed('inference', '/tributary.v1.TrainerService/RequestTraining')).toBe(false);
  });

  it('lets any authenticated identity predict unless a set of clients is configured', () => {
    expect(allowed('some-client', '/tributary.v1.InferenceService/Predict')).toBe(true);
    expect(allowed('some-client', '/inference.GRPCInferenceService/ModelInfer')).toBe(true);
    const restricted = createAccessPolicy(platformAccessRules({ predictClients: ['web'] }));
    expect(restricted.decide(as('web'), '/tributary.v1.InferenceService/Predict', {}).allowed).toBe(true);
    expect(restricted.decide(as('some-client'), '/tributary.v1.InferenceService/Predict', {}).allowed).toBe(false);
  });

  it('lets the drift monitor and operators request training', () => {
    expect(allowed('drift-monitor', '/tributary.v1.TrainerService/RequestTraining')).toBe(true);
    expect(allowed('operator', '/tributary.v1.TrainerService/RequestTraining')).toBe(true);
    expect(allowed('ingestion', '/tributary.v1.TrainerService/RequestTraining')).toBe(false);
  });
});
