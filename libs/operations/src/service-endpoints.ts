import { InvalidServiceAddressError } from './errors.js';
import type { ServiceEndpoint } from './probe-service.js';

/** A service and the ops port it listens on by default. */
export interface ServiceDefault {
  readonly name: string;
  readonly opsPort: number;
}

/** Options of {@link serviceEndpoints}. */
export interface ServiceEndpointsOptions {
  /** Host of every service without an override. Default `127.0.0.1`. */
  readonly host?: string;
  /** `name=host:port` or `name=http(s)://host:port`, one per service to move; the name must be one of the defaults. Default: none. */
  readonly overrides?: readonly string[];
}

/**
 * The ops URL of each service: its default port on `host`, unless an
 * override names another address. Throws {@link InvalidServiceAddressError}
 * for an override of an unknown service or one that is not an address.
 */
export function serviceEndpoints(defaults: readonly ServiceDefault[], options: ServiceEndpointsOptions = {}): ServiceEndpoint[] {
  const host = options.host ?? '127.0.0.1';
  const moved = new Map<string, string>();
  for (const override of options.overrides ?? []) {
    const separator = override.indexOf('=');
    const name = override.slice(0, Math.max(separator, 0)).trim();
    const address = override.slice(separator + 1).trim();
    if (separator <= 0 || address === '') throw new InvalidServiceAddressError(override, 'no name=address');
    if (!defaults.some((service) => service.name === name)) {
      throw new InvalidServiceAddressError(override, `no service ${name}; the services are ${defaults.map((service) => service.name).join(', ')}`);
    }
    moved.set(name, opsUrlOf(override, address));
  }
  return defaults.map((service) => ({ name: service.name, opsUrl: moved.get(service.name) ?? `http://${host}:${service.opsPort}` }));
}

function opsUrlOf(override: string, address: string): string {
  const hasScheme = /^https?:\/\//.test(address);
  const text = hasScheme ? address : `http://${address}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidServiceAddressError(override, 'not a host:port');
  }
  // A URL may leave its scheme's port implicit; a bare host:port must say it.
  if ((url.port === '' && !hasScheme) || url.pathname !== '/') throw new InvalidServiceAddressError(override, 'a port and nothing after it are needed');
  return url.origin;
}
