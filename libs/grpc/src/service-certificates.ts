import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CertificateIssueError } from './errors.js';
import { defaultTrustDomain, spiffeId } from './peer-identity.js';

const run = promisify(execFile);

/** Options of {@link ensureServiceCertificates}. */
export interface ServiceCertificatesOptions {
  /** Where the CA and the certificates live (created with mode 0700; keys are 0600). Never inside the repository. */
  readonly dir: string;
  /** Identities to issue, e.g. `['ingestion', 'registry', …, 'operator']`. */
  readonly services: readonly string[];
  /** The `ns` of their SPIFFE ids. Default: `default`. */
  readonly namespace?: string;
  /** The trust domain of their SPIFFE ids. Default: `tributary.local`. */
  readonly trustDomain?: string;
  /** DNS names every certificate also carries, besides `localhost` and the service name. Default: none. */
  readonly dnsNames?: readonly string[];
  /** Validity of new certificates, in days. Default: 365. */
  readonly validityDays?: number;
  /** The openssl program. Default: `openssl` on PATH. */
  readonly openssl?: string;
}

/** One issued identity's files. */
export interface ServiceCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly spiffeId: string;
}

/** The CA every service trusts and the files of each identity. */
export interface ServiceCertificates {
  readonly caFile: string;
  readonly services: Readonly<Record<string, ServiceCertificateFiles>>;
}

/**
 * A local CA and one certificate per service, for mutual TLS on a developer
 * machine or in tests: EC P-256 keys made by the openssl CLI, each leaf with
 * `URI:spiffe://<trustDomain>/ns/<namespace>/sa/<service>`, `DNS:localhost`,
 * `DNS:<service>` and `IP:127.0.0.1` in its SAN and usable as server and
 * client. Idempotent: an existing CA and certificates are kept, missing ones
 * issued. Real clusters get theirs from their own CA (see deploy/).
 */
export async function ensureServiceCertificates(options: ServiceCertificatesOptions): Promise<ServiceCertificates> {
  const { dir, namespace = 'default', trustDomain = defaultTrustDomain, validityDays = 365, openssl = 'openssl' } = options;
  const openSsl = async (args: readonly string[]) => {
    try {
      await run(openssl, args);
    } catch (reason) {
      throw new CertificateIssueError(`${openssl} ${args[0] ?? ''}`, reason);
    }
  };
  await mkdir(join(dir, namespace), { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca-cert.pem');
  const caKeyFile = join(dir, 'ca-key.pem');
  const days = String(validityDays);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    await openSsl(['req', '-x509', ...ecKey, '-days', days, '-subj', `/O=Tributary/CN=${trustDomain} local CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', caKeyFile, '-out', caFile]);
    await chmod(caKeyFile, 0o600);
  }
  const services: Record<string, ServiceCertificateFiles> = {};
  for (const service of options.services) {
    const id = spiffeId({ trustDomain, namespace, service });
    const certFile = join(dir, namespace, `${service}-cert.pem`);
    const keyFile = join(dir, namespace, `${service}-key.pem`);
    services[service] = { certFile, keyFile, spiffeId: id };
    if (existsSync(certFile) && existsSync(keyFile)) continue;
    const csrFile = join(dir, namespace, `${service}.csr`);
    const extFile = join(dir, namespace, `${service}.ext`);
    const dns = ['localhost', service, ...(options.dnsNames ?? [])].map((name) => `DNS:${name}`);
    await writeFile(extFile, [
      `subjectAltName=URI:${id},${dns.join(',')},IP:127.0.0.1`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
    ].join('\n'));
    await openSsl(['req', '-new', ...ecKey, '-subj', `/O=Tributary/OU=${namespace}/CN=${service}`, '-keyout', keyFile, '-out', csrFile]);
    await chmod(keyFile, 0o600);
    await openSsl(['x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKeyFile, '-days', days,
      '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-extfile', extFile, '-out', certFile]);
    await rm(csrFile, { force: true });
    await rm(extFile, { force: true });
  }
  return { caFile, services };
}
