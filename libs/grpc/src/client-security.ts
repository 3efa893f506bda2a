import type { GrpcChannelOptions } from './channel.js';
import type { ServiceSecuritySettings } from './server-security.js';

/**
 * The `token` and `tls` options of a channel to another service, from this
 * service's own security settings: its bearer token when set, and — when
 * `tls` is asked for — the CA to verify the server against and this
 * service's certificate and key as client identity (mutual TLS) when set.
 */
export function clientSecurityOptions(settings: ServiceSecuritySettings, options: { readonly tls: boolean }): Pick<GrpcChannelOptions, 'token' | 'tls'> {
  const { token, tls } = settings;
  return {
    ...(token === undefined ? {} : { token }),
    ...(!options.tls
      ? {}
      : {
          tls: {
            ...(tls.caFile === undefined ? {} : { ca: { path: tls.caFile } }),
            ...(tls.certFile === undefined || tls.keyFile === undefined ? {} : { cert: { path: tls.certFile }, key: { path: tls.keyFile } }),
          },
        }),
  };
}
