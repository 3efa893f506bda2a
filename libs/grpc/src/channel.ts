import { Client, type ChannelOptions } from '@grpc/grpc-js';
import { createChannelCredentials, type ClientTlsOptions } from './tls.js';

/** Options of {@link createGrpcChannel}. */
export interface GrpcChannelOptions {
  /** `host:port` of the server (any @grpc/grpc-js target, e.g. `dns:///registry:15052`). */
  readonly address: string;
  /** TLS (and mutual TLS) material. Default: plaintext. */
  readonly tls?: ClientTlsOptions;
  /** Sent as `authorization: Bearer <token>` on every call. Default: none. */
  readonly token?: string;
  /** Deadline of each call that sets no `timeoutMs` of its own. Default: none (calls wait as long as it takes). */
  readonly timeoutMs?: number;
  /** Options passed to @grpc/grpc-js (keepalive, message size limits…). Default: none. */
  readonly grpcOptions?: ChannelOptions;
}

/** A connection to one server, shared by any number of typed clients. */
export interface GrpcChannel {
  /** What the channel was made with. */
  readonly options: GrpcChannelOptions;
  /** The underlying @grpc/grpc-js client that carries the calls. */
  readonly transport: Client;
  /** Resolves once connected; rejects if not connected within `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void>;
  /** Closes the connection; calls still running are cancelled. Idempotent. */
  close(): void;
}

/** A channel to a gRPC server; connects lazily, on the first call or `waitForReady()`. */
export function createGrpcChannel(options: GrpcChannelOptions): GrpcChannel {
  const grpcOptions: ChannelOptions = { ...options.grpcOptions };
  if (options.tls?.serverName) grpcOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
  const transport = new Client(options.address, createChannelCredentials(options.tls), grpcOptions);
  return {
    options,
    transport,
    waitForReady: (timeoutMs) =>
      new Promise((resolve, reject) =>
        transport.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => transport.close(),
  };
}
