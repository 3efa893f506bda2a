import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { GrpcChannelOptions } from '@tributary/grpc';
import { resolveInfraConfig, secretsDir } from '@tributary/infra';
import { platformNames } from './platform-names.js';

/** How the command reaches the services as an operator, from its flags. */
export interface OperatorChannelFlags {
  /** Mutual TLS on (`--tls`); also on when `REGISTRY_TLS=true` or a file below is given. */
  readonly tls?: boolean;
  /** `--cert`: the operator's certificate chain (PEM). */
  readonly cert?: string;
  /** `--key`: its private key (PEM). */
  readonly key?: string;
  /** `--ca`: the CA the services' certificates chain to (PEM). */
  readonly ca?: string;
}

/** The operator's certificate, key and CA files, wherever they came from. */
export interface OperatorCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

const blank = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/**
 * The files of the `operator` identity: each from its flag, else from the
 * variable a service would read (`TLS_CERT_FILE`, `TLS_KEY_FILE`,
 * `TLS_CA_FILE`, as `.tributary/secrets/operator.env` sets them), else the
 * local PKI `tributary infra up --secure` made:
 * `<TRIBUTARY_HOME>/secrets/pki/<namespace or default>/operator-{cert,key}.pem`
 * and `pki/ca-cert.pem`. Throws InvalidArgumentError naming a file that is not there.
 */
export function operatorCertificateFiles(flags: OperatorChannelFlags, env: NodeJS.ProcessEnv = process.env): OperatorCertificateFiles {
  const pki = join(secretsDir(resolveInfraConfig(env).home), 'pki');
  const identityDir = join(pki, platformNames(env).namespace ?? 'default');
  const files = {
    certFile: flags.cert ?? blank(env['TLS_CERT_FILE']) ?? join(identityDir, 'operator-cert.pem'),
    keyFile: flags.key ?? blank(env['TLS_KEY_FILE']) ?? join(identityDir, 'operator-key.pem'),
    caFile: flags.ca ?? blank(env['TLS_CA_FILE']) ?? join(pki, 'ca-cert.pem'),
  };
  for (const file of Object.values(files)) {
    if (!existsSync(file)) {
      throw new InvalidArgumentError(`no ${file}: run \`tributary infra up --secure\` for a local operator certificate, or give --cert, --key and --ca (or TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE)`);
    }
  }
  return files;
}

/**
 * The security of the command's channels: mutual TLS as the `operator`
 * identity when asked for (see {@link OperatorChannelFlags}), the bearer
 * token of `SERVICE_AUTH_TOKEN` when set; plaintext otherwise.
 */
export function operatorChannelSecurity(flags: OperatorChannelFlags, env: NodeJS.ProcessEnv = process.env): Pick<GrpcChannelOptions, 'tls' | 'token'> {
  const token = blank(env['SERVICE_AUTH_TOKEN']);
  const tls = flags.tls === true || blank(env['REGISTRY_TLS']) === 'true' || [flags.cert, flags.key, flags.ca].some((file) => file !== undefined);
  const files = tls ? operatorCertificateFiles(flags, env) : undefined;
  return {
    ...(token === undefined ? {} : { token }),
    ...(files === undefined ? {} : { tls: { cert: { path: files.certFile }, key: { path: files.keyFile }, ca: { path: files.caFile } } }),
  };
}

/** Adds `--tls`, `--cert`, `--key` and `--ca` to a command that calls the services as an operator. */
export function withOperatorChannelOptions(command: Command): Command {
  return command
    .option('--tls', 'mutual TLS as the operator identity (also on with REGISTRY_TLS=true or any of the files below)')
    .option('--cert <file>', 'operator certificate (env TLS_CERT_FILE; default the local PKI of `infra up --secure`)')
    .option('--key <file>', 'its private key (env TLS_KEY_FILE)')
    .option('--ca <file>', 'CA of the services\u2019 certificates (env TLS_CA_FILE)');
}
