import { createStaticTokenVerifier } from './bearer-auth.js';
import type { GrpcServerOptions } from './server.js';

/**
 * A service's security settings as the environment gives them
 * (`SERVICE_AUTH_TOKEN`, `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CA_FILE`).
 */
export interface ServiceSecuritySettings {
  /** Shared bearer token; unset disables token authentication. */
  readonly token?: string | undefined;
  readonly tls: {
    readonly certFile?: string | undefined;
    readonly keyFile?: string | undefined;
    /** When set, clients must present a certificate that chains to it (mutual TLS). */
    readonly caFile?: string | undefined;
  };
}

/**
 * The `auth` and `tls` options of a gRPC server from its security settings:
 * bearer-token checks when a token is set, TLS when a certificate and key are,
 * mutual TLS when a CA is too. Empty settings give a plaintext, open server.
 */
export function serverSecurityOptions(settings: ServiceSecuritySettings): Pick<GrpcServerOptions, 'auth' | 'tls'> {
  const { token, tls } = settings;
  return {
    ...(token === undefined ? {} : { auth: { verifyToken: createStaticTokenVerifier([token]) } }),
    ...(tls.certFile === undefined || tls.keyFile === undefined
      ? {}
      : {
          tls: {
            cert: { path: tls.certFile },
            key: { path: tls.keyFile },
            ...(tls.caFile === undefined ? {} : { clientCa: { path: tls.caFile }, requireClientCert: true }),
          },
        }),
  };
}
