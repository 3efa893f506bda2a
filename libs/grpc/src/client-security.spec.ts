import { describe, expect, it } from 'vitest';
import { clientSecurityOptions } from './index.js';

describe('clientSecurityOptions()', () => {
  const settings = { token: 'a-token-of-enough-length', tls: { certFile: '/c.pem', keyFile: '/k.pem', caFile: '/ca.pem' } };

  it('sends the token, and with tls verifies against the CA presenting the certificate (mutual TLS)', () => {
    expect(clientSecurityOptions(settings, { tls: true })).toEqual({
      token: 'a-token-of-enough-length',
      tls: { ca: { path: '/ca.pem' }, cert: { path: '/c.pem' }, key: { path: '/k.pem' } },
    });
  });

  it('stays plaintext unless tls is asked for, and sends no token when none is set', () => {
    expect(clientSecurityOptions(settings, { tls: false })).toEqual({ token: 'a-token-of-enough-length' });
    expect(clientSecurityOptions({ tls: {} }, { tls: true })).toEqual({ tls: {} });
  });
});
