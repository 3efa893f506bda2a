import { Client, credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';

/** How a call with raw bytes ended: the status the server sent and, on OK, the response bytes. */
export interface RawCallOutcome {
  /** The gRPC status code (0 OK). */
  readonly code: number;
  readonly details: string;
  /** Response messages' bytes, when the call returned any. */
  readonly responses: readonly Uint8Array[];
}

/** Options of {@link createRawGrpcCaller}. */
export interface RawGrpcCallerOptions {
  /** Deadline of each call. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Metadata sent with every call, e.g. `authorization`. Default: none. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Calls any gRPC method with bytes of the caller's choosing — garbage
 * included — over a real HTTP/2 connection, as a broken or hostile client
 * would. Never throws for a failed call: the outcome carries its status.
 */
export interface RawGrpcCaller {
  /** A unary call with `message` as the request's bytes. */
  unary(path: string, message: Uint8Array): Promise<RawCallOutcome>;
  /** A client-streaming call sending each of `messages`. */
  clientStream(path: string, messages: readonly Uint8Array[]): Promise<RawCallOutcome>;
  /** A server-streaming call; the outcome lists every message received. */
  serverStream(path: string, message: Uint8Array): Promise<RawCallOutcome>;
  /** Closes the channel. Idempotent. */
  close(): void;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** A {@link RawGrpcCaller} of the plaintext server at `address` (`host:port`). */
export function createRawGrpcCaller(address: string, options: RawGrpcCallerOptions = {}): RawGrpcCaller {
  const client = new Client(address, credentials.createInsecure());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const metadata = () => {
    const m = new Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) m.set(key, value);
    return m;
  };
  const callOptions = () => ({ deadline: Date.now() + timeoutMs });
  const settle = (resolve: (outcome: RawCallOutcome) => void, responses: Uint8Array[]) => (error: ServiceError | null, response?: Buffer) => {
    if (response) responses.push(response);
    resolve(error ? { code: error.code, details: error.details, responses } : { code: Status.OK, details: '', responses });
  };

  return {
    unary(path, message) {
      return new Promise((resolve) => {
        client.makeUnaryRequest(path, identity, identity, Buffer.from(message), metadata(), callOptions(), settle(resolve, []));
      });
    },
    clientStream(path, messages) {
      return new Promise((resolve) => {
        const call = client.makeClientStreamRequest(path, identity, identity, metadata(), callOptions(), settle(resolve, []));
        // A write after the server has already failed the call is ignored, as it is for any client.
        call.on('error', () => undefined);
        for (const message of messages) call.write(Buffer.from(message));
        call.end();
      });
    },
    serverStream(path, message) {
      return new Promise((resolve) => {
        const responses: Uint8Array[] = [];
        const call = client.makeServerStreamRequest(path, identity, identity, Buffer.from(message), metadata(), callOptions());
        call.on('data', (chunk: Buffer) => responses.push(chunk));
        call.on('error', (error: ServiceError) => resolve({ code: error.code, details: error.details, responses }));
        call.on('status', (s: { code: number; details: string }) => {
          if (s.code === Status.OK) resolve({ code: s.code, details: s.details, responses });
        });
      });
    },
    close() {
      client.close();
    },
  };
}
