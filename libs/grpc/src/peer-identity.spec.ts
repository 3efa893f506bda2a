import { describe, expect, it } from 'vitest';
import { identityOfCertificate, parseSpiffeId, spiffeId } from './index.js';

describe('parseSpiffeId()', () => {
  it('reads trust domain, namespace and service of a platform id, and round-trips with spiffeId()', () => {
    const identity = parseSpiffeId('spiffe://tributary.local/ns/test/sa/drift-monitor');
    expect(identity).toEqual({ spiffeId: 'spiffe://tributary.local/ns/test/sa/drift-monitor', trustDomain: 'tributary.local', namespace: 'test', service: 'drift-monitor' });
    expect(identity && spiffeId(identity)).toBe(identity?.spiffeId);
  });

  it('rejects ids of another shape', () => {
    expect(parseSpiffeId('spiffe://tributary.local/workload/x')).toBeUndefined();
    expect(parseSpiffeId('https://tributary.local/ns/a/sa/b')).toBeUndefined();
    expect(parseSpiffeId('spiffe://tributary.local/ns/a/sa/b/extra')).toBeUndefined();
  });
});

describe('identityOfCertificate()', () => {
  it('takes the one SPIFFE URI of the SAN', () => {
    expect(identityOfCertificate({ subjectaltname: 'DNS:localhost, URI:spiffe://tributary.local/ns/a/sa/trainer, IP Address:127.0.0.1' })?.service).toBe('trainer');
  });

  it('gives no identity without a SPIFFE URI or with two of them', () => {
    expect(identityOfCertificate({ subjectaltname: 'DNS:localhost' })).toBeUndefined();
    expect(identityOfCertificate(undefined)).toBeUndefined();
    expect(
      identityOfCertificate({ subjectaltname: 'URI:spiffe://tributary.local/ns/a/sa/trainer, URI:spiffe://tributary.local/ns/a/sa/operator' }),
    ).toBeUndefined();
  });
});
