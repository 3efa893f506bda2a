import { once } from 'node:events';
import type { DescMessage, DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import {
  Metadata,
  status,
  type CallOptions as GrpcCallOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { Code, TributaryError } from '@tributary/errors';
import type { GrpcChannel } from './channel.js';
import { fromGrpcStatus } from './grpc-status.js';
import { createCallRecorder, type CallRecorder } from './metrics.js';
import { createDeserializer, createSerializer, methodPath } from './service-definition.js';
import { injectTraceContext } from './trace-context.js';

const tracer = trace.getTracer('@tributary/grpc');

/** Options of one call. */
export interface CallOptions {
  /** Deadline, relative to now. Default: the channel's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Cancels the call when aborted. Default: none. */
  readonly signal?: AbortSignal;
  /** Extra request metadata, e.g. `{ 'x-request-id': '…' }`. Default: none. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A unary method: one request, one response. */
export type UnaryFn<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A server-streaming method: one request, the responses as they come. */
export type ServerStreamingFn<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;
/** A client-streaming method: the requests from an iterable, one response. */
export type ClientStreamingFn<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageInitShape<I>>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A bidirectional-streaming method. */
export type BidiStreamingFn<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageInitShape<I>>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;

/** The client function of one method, chosen by its kind. */
export type ClientMethod<M extends Pick<DescMethod, 'input' | 'output' | 'methodKind'>> = M extends {
  methodKind: infer K;
  input: infer I extends DescMessage;
  output: infer O extends DescMessage;
}
  ? K extends 'unary'
    ? UnaryFn<I, O>
    : K extends 'server_streaming'
      ? ServerStreamingFn<I, O>
      : K extends 'client_streaming'
        ? ClientStreamingFn<I, O>
        : BidiStreamingFn<I, O>
  : never;

/**
 * A typed client: one function per method, keyed by local name. Failures
 * reject with {@link RemoteCallError} carrying the status code.
 */
export type Client<S extends DescService> = {
  [P in keyof S['method']]: ClientMethod<S['method'][P]>;
};

/** One method's fixed facts, computed when the client is made. */
interface MethodRuntime {
  readonly path: string;
  readonly spanName: string;
  readonly attributes: Record<string, string>;
  readonly serialize: (value: object) => Buffer;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly record: CallRecorder;
}

/**
 * One outgoing call's bookkeeping: metadata with token and trace context,
 * deadline, cancellation by signal, and — once — metrics and span at the end.
 */
class OutgoingCall {
  readonly metadata = new Metadata();
  readonly grpcOptions: GrpcCallOptions = {};
  private readonly span: Span;
  private readonly startedMs = performance.now();
  private cancel: (() => void) | undefined;
  private finished = false;
  private doneController: AbortController | undefined;

  constructor(
    private readonly method: MethodRuntime,
    channel: GrpcChannel,
    private readonly options: CallOptions | undefined,
  ) {
    if (options?.signal?.aborted) {
      throw new TributaryError(Code.Cancelled, 'call cancelled before it started', { cause: options.signal.reason });
    }
    const active = context.active();
    this.span = tracer.startSpan(method.spanName, { kind: SpanKind.CLIENT, attributes: method.attributes }, active);
    const { token, timeoutMs: channelTimeoutMs } = channel.options;
    if (token !== undefined) this.metadata.set('authorization', `Bearer ${token}`);
    if (options?.metadata) for (const [key, value] of Object.entries(options.metadata)) this.metadata.set(key, value);
    injectTraceContext(trace.setSpan(active, this.span), this.metadata);
    const timeoutMs = options?.timeoutMs ?? channelTimeoutMs;
    if (timeoutMs !== undefined) this.grpcOptions.deadline = Date.now() + timeoutMs;
  }

  /** Whether the call has ended (and was recorded). */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Aborted when the call ends, to stop writing requests; made on first use. */
  get done(): AbortSignal {
    this.doneController ??= new AbortController();
    if (this.finished) this.doneController.abort();
    return this.doneController.signal;
  }

  /** Cancels `call` when the caller's signal aborts. */
  bind(call: { cancel(): void }): void {
    const signal = this.options?.signal;
    if (!signal) return;
    this.cancel = () => call.cancel();
    signal.addEventListener('abort', this.cancel, { once: true });
  }

  succeed(): void {
    this.finish(status.OK);
  }

  /** Records the failure and returns it as the error to throw. */
  fail(reason: unknown): TributaryError {
    if (reason instanceof TributaryError) {
      this.finish(reason.code as number as status, reason.message);
      return reason;
    }
    const error = fromGrpcStatus(reason as Partial<ServiceError>, this.method.path);
    this.finish(error.code as number as status, error.message);
    return error;
  }

  private finish(code: status, message?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.doneController?.abort();
    if (this.cancel) this.options?.signal?.removeEventListener('abort', this.cancel);
    this.method.record(status[code], (performance.now() - this.startedMs) / 1000);
    this.span.setAttribute('rpc.grpc.status_code', code);
    if (code !== status.OK) this.span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? status[code] });
    this.span.end();
  }
}

/** Writes the requests of a client- or bidi-streaming call, waiting for drain; ends the stream after the last. */
async function writeRequests(
  call: ClientWritableStream<object> | ClientDuplexStream<object, unknown>,
  requests: AsyncIterable<object>,
  done: AbortSignal,
): Promise<void> {
  for await (const request of requests) {
    if (done.aborted) return;
    if (!call.write(request)) await once(call, 'drain', { signal: done });
  }
  call.end();
}

/** Yields a call's responses; a failed status is thrown as the mapped error, and stopping early cancels the call. */
async function* readResponses(
  outgoing: OutgoingCall,
  call: ClientReadableStream<unknown> | ClientDuplexStream<object, unknown>,
  inputFailure: () => unknown,
): AsyncGenerator<never> {
  try {
    for await (const response of call) yield response as never;
    outgoing.succeed();
  } catch (error) {
    throw outgoing.fail(inputFailure() ?? error);
  } finally {
    if (!outgoing.isFinished) {
      call.cancel();
      outgoing.fail({ code: status.CANCELLED, details: 'stopped reading responses' });
    }
  }
}

function createMethod(method: DescMethod, runtime: MethodRuntime, channel: GrpcChannel): unknown {
  const transport = channel.transport;
  const { path, serialize, deserialize } = runtime;
  switch (method.methodKind) {
    case 'unary':
      return (request: object, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          const outgoing = new OutgoingCall(runtime, channel, options);
          const call = transport.makeUnaryRequest(path, serialize, deserialize, request, outgoing.metadata, outgoing.grpcOptions, (error, response) => {
            if (error) reject(outgoing.fail(error));
            else {
              outgoing.succeed();
              resolve(response);
            }
          });
          outgoing.bind(call);
        });
    case 'server_streaming':
      return async function* (request: object, options?: CallOptions) {
        const outgoing = new OutgoingCall(runtime, channel, options);
        const call = transport.makeServerStreamRequest(path, serialize, deserialize, request, outgoing.metadata, outgoing.grpcOptions);
        outgoing.bind(call);
        yield* readResponses(outgoing, call, () => undefined);
      };
    case 'client_streaming':
      return (requests: AsyncIterable<object>, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          const outgoing = new OutgoingCall(runtime, channel, options);
          const call = transport.makeClientStreamRequest(path, serialize, deserialize, outgoing.metadata, outgoing.grpcOptions, (error, response) => {
            if (error) reject(outgoing.fail(error));
            else {
              outgoing.succeed();
              resolve(response);
            }
          });
          outgoing.bind(call);
          writeRequests(call, requests, outgoing.done).catch((error: unknown) => {
            reject(outgoing.fail(TributaryError.from(error)));
            call.cancel();
          });
        });
    case 'bidi_streaming':
      return async function* (requests: AsyncIterable<object>, options?: CallOptions) {
        const outgoing = new OutgoingCall(runtime, channel, options);
        const call = transport.makeBidiStreamRequest(path, serialize, deserialize, outgoing.metadata, outgoing.grpcOptions);
        outgoing.bind(call);
        let inputError: TributaryError | undefined;
        writeRequests(call, requests, outgoing.done).catch((error: unknown) => {
          inputError = TributaryError.from(error);
          call.cancel();
        });
        yield* readResponses(outgoing, call, () => inputError);
      };
  }
}

/** A typed client of `service` over `channel`; see {@link Client}. */
export function createGrpcClient<S extends DescService>(service: S, channel: GrpcChannel): Client<S> {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    const runtime: MethodRuntime = {
      path: methodPath(method),
      spanName: `${service.typeName}/${method.name}`,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': service.typeName, 'rpc.method': method.name },
      serialize: createSerializer(method.input),
      deserialize: createDeserializer(method.output),
      record: createCallRecorder('client', service.typeName, method.name),
    };
    client[method.localName] = createMethod(method, runtime, channel);
  }
  return client as Client<S>;
}
