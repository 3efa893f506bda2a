import { status as Status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { mutatedBytes } from './mutated-bytes.js';
import type { RawCallOutcome, RawGrpcCaller } from './raw-grpc-caller.js';
import type { FuzzEdge } from './run-fuzz-edge.js';

/** One method of a service under test, and a valid request of it. */
export interface WireMethod {
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly kind: 'unary' | 'client-stream' | 'server-stream';
  /** A valid request's bytes: the seed the garbage is mutated from. */
  readonly valid: Uint8Array;
}

/** Options of {@link grpcWireEdge}. */
export interface GrpcWireEdgeOptions {
  /** The edge's name in reports, e.g. `registry grpc wire`. */
  readonly name: string;
  /** A caller connected to the server under test (port 0, in the spec's process). */
  readonly caller: RawGrpcCaller;
  readonly methods: readonly WireMethod[];
  /** Longest client stream sent. Default 4 messages. */
  readonly maxStreamMessages?: number;
}

/**
 * Codes a server may answer a request it refuses with: the caller's fault,
 * said so. UNKNOWN, INTERNAL (but see below), UNAVAILABLE, DEADLINE_EXCEEDED,
 * CANCELLED or DATA_LOSS mean the handler broke, the server died or hung.
 */
const REFUSALS = new Set<number>([
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.FAILED_PRECONDITION,
  Status.ABORTED,
  Status.OUT_OF_RANGE,
  Status.PERMISSION_DENIED,
  Status.UNAUTHENTICATED,
  Status.RESOURCE_EXHAUSTED,
]);

/** What gRPC itself answers to request bytes that are not the method's message (INTERNAL, by the gRPC status code table). */
const UNPARSEABLE = 'Error deserializing request';

/**
 * An edge of garbage on the wire: each input is one method and bytes near a
 * valid request of it (or far), sent over a real connection. Properties: the
 * answer is OK or a refusal with a status that blames the request and a
 * message, never a handler failure, a hang or a dead server; and afterwards
 * the server still answers its health check.
 */
export function grpcWireEdge(options: GrpcWireEdgeOptions): FuzzEdge<{ readonly method: WireMethod; readonly messages: readonly Uint8Array[] }> {
  const { caller, maxStreamMessages = 4 } = options;
  const input = fc.constantFrom(...options.methods).chain((method) =>
    (method.kind === 'client-stream' ? fc.array(fc.oneof(fc.constant(method.valid), mutatedBytes(fc.constant(method.valid))), { minLength: 1, maxLength: maxStreamMessages }) : mutatedBytes(fc.constant(method.valid)).map((m) => [m])).map(
      (messages) => ({ method, messages }),
    ),
  );
  return {
    name: options.name,
    input,
    async check({ method, messages }) {
      const outcome = await call(caller, method, messages);
      expectAnswered(outcome, method.path);
      const health = await caller.unary('/grpc.health.v1.Health/Check', new Uint8Array());
      if (health.code !== Status.OK) throw new Error(`the server stopped answering its health check after ${method.path}: ${Status[health.code]} ${health.details}`);
    },
  };
}

function call(caller: RawGrpcCaller, method: WireMethod, messages: readonly Uint8Array[]): Promise<RawCallOutcome> {
  if (method.kind === 'client-stream') return caller.clientStream(method.path, messages);
  const [message = new Uint8Array()] = messages;
  return method.kind === 'unary' ? caller.unary(method.path, message) : caller.serverStream(method.path, message);
}

/** Throws unless the outcome is OK or a clear refusal. */
export function expectAnswered(outcome: RawCallOutcome, path: string): void {
  if (outcome.code === Status.OK) return;
  const clear = REFUSALS.has(outcome.code) || (outcome.code === Status.INTERNAL && outcome.details.startsWith(UNPARSEABLE));
  if (!clear) throw new Error(`${path} answered ${Status[outcome.code]}: ${outcome.details}`);
  if (outcome.details.trim() === '') throw new Error(`${path} refused with ${Status[outcome.code]} but no message`);
}
