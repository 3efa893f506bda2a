import { readFileSync } from 'node:fs';
import { ServerCredentials, credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** PEM material, given inline or as a file to read at start. */
export type PemSource = { readonly pem: string | Buffer } | { readonly path: string };

/** TLS of a server. */
export interface ServerTlsOptions {
  /** The server's certificate chain. */
  readonly cert: PemSource;
  /** The server's private key. */
  readonly key: PemSource;
  /** CA that client certificates must chain to; set it for mutual TLS. Default: none. */
  readonly clientCa?: PemSource;
  /** Refuse clients without a valid certificate (mutual TLS); needs `clientCa`. Default: false. */
  readonly requireClientCert?: boolean;
}

/** TLS of a client channel. */
export interface ClientTlsOptions {
  /** CA the server certificate must chain to. Default: the system roots. */
  readonly ca?: PemSource;
  /** Client certificate chain, for mutual TLS. Default: none. */
  readonly cert?: PemSource;
  /** Client private key, for mutual TLS. Default: none. */
  readonly key?: PemSource;
  /** Host name to verify the server certificate against instead of the address's. Default: none. */
  readonly serverName?: string;
}

/** The bytes of PEM material, read from its file if it names one. */
export function readPem(source: PemSource): Buffer {
  return 'path' in source ? readFileSync(source.path) : Buffer.from(source.pem);
}

/** Server credentials: TLS when `tls` is given, plaintext otherwise. */
export function createServerCredentials(tls: ServerTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa ? readPem(tls.clientCa) : null,
    [{ cert_chain: readPem(tls.cert), private_key: readPem(tls.key) }],
    tls.requireClientCert ?? false,
  );
}

/** Channel credentials: TLS when `tls` is given, plaintext otherwise. */
export function createChannelCredentials(tls: ClientTlsOptions | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(
    tls.ca ? readPem(tls.ca) : null,
    tls.key ? readPem(tls.key) : null,
    tls.cert ? readPem(tls.cert) : null,
  );
}
