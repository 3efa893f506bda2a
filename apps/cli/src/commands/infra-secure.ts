import { join } from 'node:path';
import { inNamespace } from '@tributary/config';
import { ensureServiceCertificates } from '@tributary/grpc';
import { ensureInfraSecrets, platformPrincipals, secretsDir, writeSecureClientEnvFiles, type Infra, type InfraSecurityOptions } from '@tributary/infra';

/** The secure mode of `tributary infra up --secure`: ACLs and grants written for the caller's namespace. */
export function secureInfraOptions(namespace: string | undefined): InfraSecurityOptions {
  return { name: (kind, name) => inNamespace(namespace, kind, name) };
}

/**
 * What each service needs against the secure servers: a certificate with its
 * SPIFFE id (`spiffe://tributary.local/ns/<namespace or default>/sa/<service>`,
 * and `operator` for the command line) from a local CA, and
 * `<home>/secrets/<service>.env` with its Kafka, Redis and ClickHouse
 * credentials and its TLS files (mutual TLS and authorization on, the
 * registry reached over TLS). Returns the directory holding them.
 */
export async function prepareSecureClients(infra: Infra, namespace: string | undefined): Promise<string> {
  const { home, ports } = infra.config;
  const secrets = await ensureInfraSecrets(home);
  const certificates = await ensureServiceCertificates({
    dir: join(secretsDir(home), 'pki'),
    namespace: namespace ?? 'default',
    // The service principals and `operator`, the identity of people using this command.
    services: Object.keys(platformPrincipals),
  });
  const tls = Object.fromEntries(
    Object.entries(certificates.services).map(([service, files]) => [
      service,
      { TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: files.keyFile, TLS_CA_FILE: certificates.caFile, REGISTRY_TLS: 'true' },
    ]),
  );
  await writeSecureClientEnvFiles(home, secrets, ports, tls);
  return secretsDir(home);
}
