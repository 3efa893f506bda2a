import type { EventEmitter } from 'node:events';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { Code, TributaryError } from '@tributary/errors';
import type { PeerIdentity } from './peer-identity.js';

/**
 * A client cancels at its own deadline, which the server sees a network
 * transit earlier than its copy of the deadline; a cancellation this close to
 * the deadline is the deadline passing.
 */
const DEADLINE_CANCEL_TOLERANCE_MS = 20;

/** What every kind of server call has: metadata, deadline, cancellation. */
export type ServerCallSurface = Pick<ServerUnaryCall<unknown, unknown>, 'cancelled' | 'getDeadline' | 'metadata' | 'getAuthContext' | 'getPeer'> & EventEmitter;

/** What a handler knows about the call it serves. */
export interface HandlerContext {
  /** Full method path, e.g. `/tributary.v1.InferenceService/Predict`. */
  readonly method: string;
  /** Metadata the client sent (lower-case keys). */
  readonly requestMetadata: Metadata;
  /** The caller's certificate identity, when the server authorizes calls by identity (mutual TLS). */
  readonly peer: PeerIdentity | undefined;
  /** Trailing metadata sent back with the status; handlers may add to it. */
  readonly responseTrailer: Metadata;
  /** When the client stops waiting; undefined if it set no deadline. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the client cancels, the deadline passes, or a shutdown runs
   * out of time; its `reason` is a TributaryError saying which.
   */
  readonly signal: AbortSignal;
  /** The first value of a request metadata key, if it is a string. */
  requestHeader(key: string): string | undefined;
  /** Milliseconds left until the deadline (never negative); Infinity without one. */
  timeRemainingMs(): number;
}

/**
 * The context of one server call. The AbortSignal and its deadline timer are
 * made only when a handler asks for `signal`, since most unary handlers never do.
 */
export class CallContext implements HandlerContext {
  readonly responseTrailer: Metadata;
  readonly deadline: Date | undefined;
  peer: PeerIdentity | undefined;
  private controller: AbortController | undefined;
  private reason: TributaryError | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly onCancelled = () =>
    this.abort(
      this.deadline && this.timeRemainingMs() <= DEADLINE_CANCEL_TOLERANCE_MS
        ? new TributaryError(Code.DeadlineExceeded, 'deadline exceeded')
        : new TributaryError(Code.Cancelled, 'call cancelled by the client'),
    );

  constructor(
    readonly method: string,
    private readonly call: ServerCallSurface,
    readonly requestMetadata: Metadata,
    responseTrailer: Metadata,
  ) {
    this.responseTrailer = responseTrailer;
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(deadlineMs) ? new Date(deadlineMs) : undefined;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) {
        this.controller.abort(this.reason);
      } else {
        this.call.once('cancelled', this.onCancelled);
        if (this.deadline) {
          this.deadlineTimer = setTimeout(
            () => this.abort(new TributaryError(Code.DeadlineExceeded, 'deadline exceeded')),
            this.timeRemainingMs(),
          );
          this.deadlineTimer.unref();
        }
      }
    }
    return this.controller.signal;
  }

  requestHeader(key: string): string | undefined {
    const value = this.requestMetadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  }

  timeRemainingMs(): number {
    return this.deadline ? Math.max(0, this.deadline.getTime() - Date.now()) : Number.POSITIVE_INFINITY;
  }

  /** Why the call was aborted, if it was. */
  get abortReason(): TributaryError | undefined {
    return this.reason;
  }

  /** Aborts the signal (now, or as soon as it is asked for) with `reason`. */
  abort(reason: TributaryError): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.dispose();
  }

  /** Releases the timer and listener once the call is over. */
  dispose(): void {
    clearTimeout(this.deadlineTimer);
    this.call.removeListener('cancelled', this.onCancelled);
  }
}
