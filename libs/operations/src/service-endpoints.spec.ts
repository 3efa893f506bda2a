import { describe, expect, it } from 'vitest';
import { InvalidServiceAddressError, serviceEndpoints } from './index.js';

const defaults = [
  { name: 'ingestion', opsPort: 9464 },
  { name: 'inference', opsPort: 9468 },
];

describe('serviceEndpoints()', () => {
  it('puts every service on its default ops port of the host', () => {
    expect(serviceEndpoints(defaults, { host: '10.0.0.7' })).toEqual([
      { name: 'ingestion', opsUrl: 'http://10.0.0.7:9464' },
      { name: 'inference', opsUrl: 'http://10.0.0.7:9468' },
    ]);
  });

  it('moves the services an override names, as host:port or URL', () => {
    expect(serviceEndpoints(defaults, { overrides: ['inference=inference.prod:19468', 'ingestion=https://ops.example:443'] })).toEqual([
      { name: 'ingestion', opsUrl: 'https://ops.example' },
      { name: 'inference', opsUrl: 'http://inference.prod:19468' },
    ]);
  });

  it.each([
    ['inference', /no name=address/],
    ['=127.0.0.1:1', /no name=address/],
    ['trainer=127.0.0.1:9467', /no service trainer; the services are ingestion, inference/],
    ['inference=127.0.0.1', /a port and nothing after it/],
    ['inference=http://127.0.0.1:9468/metrics', /a port and nothing after it/],
    ['inference=127.0.0.1:9468/metrics', /a port and nothing after it/],
    ['inference=http://[bad', /not a host:port/],
  ])('refuses %s with what to write instead', (override, why) => {
    const attempt = () => serviceEndpoints(defaults, { overrides: [override] });
    expect(attempt).toThrow(InvalidServiceAddressError);
    expect(attempt).toThrow(why);
    expect(attempt).toThrow(/expected name=host:port or name=http:\/\/host:port/);
  });
});
