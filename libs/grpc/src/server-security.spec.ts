import { describe, expect, it } from 'vitest';
import { serverSecurityOptions } from './index.js';

describe('serverSecurityOptions()', () => {
  it('gives an open plaintext server when nothing is set', () => {
    expect(serverSecurityOptions({ tls: {} })).toEqual({});
  });

  it('checks the configured bearer token', async () => {
    const { auth } = serverSecurityOptions({ token: 'a-long-enough-token', tls: {} });
    expect(await auth?.verifyToken('a-long-enough-token', '/svc/Method')).toBeTruthy();
    expect(await auth?.verifyToken('another-token-xxxxx', '/svc/Method')).toBeFalsy();
  });

  it('turns on TLS with certificate and key, and mutual TLS with a CA', () => {
    expect(serverSecurityOptions({ tls: { certFile: 'c.pem', keyFile: 'k.pem' } }).tls).toEqual({ cert: { path: 'c.pem' }, key: { path: 'k.pem' } });
    expect(serverSecurityOptions({ tls: { certFile: 'c.pem', keyFile: 'k.pem', caFile: 'ca.pem' } }).tls).toEqual({
      cert: { path: 'c.pem' },
      key: { path: 'k.pem' },
      clientCa: { path: 'ca.pem' },
      requireClientCert: true,
    });
  });
});
