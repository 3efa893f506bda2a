import { createAccessPolicy } from './access-policy.js';
import { createStaticTokenVerifier } from './bearer-auth.js';
import { platformAccessRules } from './platform-access-policy.js';
import type { GrpcServerOptions } from './server.js';

/**
 * A service's security settings as the environment gives them
 * (`SERVICE_AUTH_TOKEN`, `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CA_FILE`,
 * `GRPC_AUTHORIZATION`, `GRPC_PREDICT_CLIENTS`, `AUDIT_LOG_FILE`).
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
  /**
   * With mutual TLS, `identity` authorizes every call by the caller's SPIFFE
   * id against the platform's policy; `off` lets any verified peer call
   * anything. Without mutual TLS there is no identity and it has no effect.
   * Default: `identity`.
   */
  readonly authorization?: 'identity' | 'off' | undefined;
  /** Identities allowed to ask inference for predictions. Default: any authenticated identity. */
  readonly predictClients?: readonly string[] | undefined;
  /** JSON-lines file that refused calls are appended to, besides the log. Default: the log only. */
  readonly auditLogFile?: string | undefined;
}

/**
 * The `auth`, `tls` and `access` options of a gRPC server from its security
 * settings: bearer-token checks when a token is set, TLS when a certificate
 * and key are, mutual TLS when a CA is too — and then, unless authorization
 * is `off`, each call authorized by the caller's identity against
 * {@link platformAccessRules}. Empty settings give a plaintext, open server.
 */
export function serverSecurityOptions(settings: ServiceSecuritySettings): Pick<GrpcServerOptions, 'auth' | 'tls' | 'access'> {
  const { token, tls } = settings;
  const mutualTls = tls.certFile !== undefined && tls.keyFile !== undefined && tls.caFile !== undefined;
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
    ...(!mutualTls || settings.authorization === 'off'
      ? {}
      : {
          access: {
            policy: createAccessPolicy(platformAccessRules(settings.predictClients ? { predictClients: settings.predictClients } : {})),
            ...(settings.auditLogFile === undefined ? {} : { auditLogFile: settings.auditLogFile }),
          },
        }),
  };
}
