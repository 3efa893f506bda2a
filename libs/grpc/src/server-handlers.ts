import { once } from 'node:events';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import {
  Metadata,
  status,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type StatusObject,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Logger } from '@tributary/observability';
import { authorizeCall, type AccessScope } from './access-control.js';
import type { AuditLog } from './audit-log.js';
import { authenticate, isExempt, isHealthMethod, type ServerAuthOptions } from './bearer-auth.js';
import { PermissionDeniedError, UnauthenticatedError } from './errors.js';
import { toGrpcStatus } from './grpc-status.js';
import { CallContext, type ServerCallSurface } from './handler-context.js';
import { createCallRecorder, type CallRecorder, type RefusalRecorder } from './metrics.js';
import { methodPath } from './service-definition.js';
import { extractTraceContext } from './trace-context.js';

const tracer = trace.getTracer('@tributary/grpc');

/** What every call of one server shares. */
export interface ServerCallEnvironment {
  readonly auth: ServerAuthOptions | undefined;
  /** Per-call authorization by certificate identity; undefined when the server does not authorize. */
  readonly access: AccessScope | undefined;
  /** Where refused calls are written. */
  readonly audit: AuditLog;
  /** Counts refused calls. */
  readonly refused: RefusalRecorder;
  readonly logger: Logger;
  /** Calls being served, so that a forced shutdown can abort them. */
  readonly inFlight: Set<CallContext>;
}

/** A handler as the server sees it once the typed surface is erased. */
type AnyHandler = (input: unknown, context: CallContext) => unknown;
type Responder = (error: StatusObject | null, value: unknown, trailer: Metadata) => void;

/** One method's fixed facts, computed at registration. */
interface MethodRuntime {
  readonly path: string;
  readonly spanName: string;
  readonly attributes: Record<string, string>;
  readonly service: string;
  readonly name: string;
  readonly authRequired: boolean;
  readonly authorizationRequired: boolean;
  readonly record: CallRecorder;
}

/** Counts and audits a refused call; other errors pass untouched. */
function noteRefusal(method: MethodRuntime, env: ServerCallEnvironment, call: ServerCallSurface, error: unknown): void {
  if (!(error instanceof UnauthenticatedError) && !(error instanceof PermissionDeniedError)) return;
  const code = error instanceof PermissionDeniedError ? 'PERMISSION_DENIED' : 'UNAUTHENTICATED';
  env.refused(method.service, method.name, code, error instanceof PermissionDeniedError ? 'policy' : error.reason);
  env.audit.record({
    time: new Date().toISOString(),
    event: 'grpc.refused',
    method: method.path,
    code,
    reason: error.message,
    ...(error.peer === undefined ? {} : { peer: error.peer }),
    address: call.getPeer(),
  });
}

/**
 * Serves one call: authentication, server span in the caller's trace, the
 * handler, the status mapping, metrics and logs. `body` runs the handler and
 * `respond` sends its result (or the error status) the way the method kind needs.
 */
async function serve(
  method: MethodRuntime,
  env: ServerCallEnvironment,
  call: ServerCallSurface,
  request: unknown,
  body: (context: CallContext) => unknown,
  respond: Responder,
): Promise<void> {
  const startedMs = performance.now();
  const callContext = new CallContext(method.path, call, call.metadata, new Metadata());
  env.inFlight.add(callContext);
  const parent = extractTraceContext(call.metadata);
  const span = tracer.startSpan(method.spanName, { kind: SpanKind.SERVER, attributes: method.attributes }, parent);
  let result: StatusObject | null = null;
  let value: unknown;
  try {
    if (method.authRequired && env.auth) await authenticate(env.auth, method.path, call.metadata);
    if (method.authorizationRequired && env.access) callContext.peer = authorizeCall(env.access, method.path, call, request);
    value = await context.with(trace.setSpan(parent, span), body, undefined, callContext);
  } catch (error) {
    noteRefusal(method, env, call, error);
    result = toGrpcStatus(callContext.abortReason ?? error);
    if (result.code === status.INTERNAL && callContext.abortReason === undefined) {
      env.logger.error({ err: error, method: method.path }, 'gRPC handler failed');
    }
    result.metadata.merge(callContext.responseTrailer);
  } finally {
    callContext.dispose();
    env.inFlight.delete(callContext);
  }
  respond(result, value, callContext.responseTrailer);
  const code = result?.code ?? finishedCode(call, callContext);
  method.record(status[code], (performance.now() - startedMs) / 1000);
  span.setAttribute('rpc.grpc.status_code', code);
  if (result) span.setStatus({ code: SpanStatusCode.ERROR, message: result.details });
  span.end();
  if (env.logger.isLevelEnabled('debug')) {
    env.logger.debug({ method: method.path, code: status[code], durationMs: performance.now() - startedMs }, 'gRPC call');
  }
}

/** The status of a call whose handler succeeded: OK, unless the client stopped waiting first. */
function finishedCode(call: ServerCallSurface, callContext: CallContext): status {
  if (!call.cancelled) return status.OK;
  return callContext.timeRemainingMs() === 0 ? status.DEADLINE_EXCEEDED : status.CANCELLED;
}

/** Writes every response of a streaming handler, waiting for the client to drain. */
async function writeResponses(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  responses: AsyncIterable<unknown>,
  callContext: CallContext,
): Promise<void> {
  for await (const response of responses) {
    if (callContext.abortReason) throw callContext.abortReason;
    if (!call.write(response)) await once(call, 'drain', { signal: callContext.signal });
  }
}

/**
 * The requests of a streaming call. Iterating a stream destroys it at the
 * end by default, which would also destroy a duplex call's sending side
 * before its status goes out; this iterator leaves the call open.
 */
function readRequests(call: ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): AsyncIterable<unknown> {
  return { [Symbol.asyncIterator]: () => call.iterator({ destroyOnReturn: false }) };
}

function endStream(call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): Responder {
  return (error, _value, trailer) => {
    if (error) call.emit('error', error);
    else call.end(trailer);
  };
}

function handleCall(method: DescMethod, runtime: MethodRuntime, env: ServerCallEnvironment, handler: AnyHandler): UntypedHandleCall {
  switch (method.methodKind) {
    case 'unary':
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        void serve(runtime, env, call, call.request, (ctx) => handler(call.request, ctx), (error, value, trailer) =>
          error ? callback(error) : callback(null, value, trailer),
        );
    case 'client_streaming':
      return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        void serve(runtime, env, call, undefined, (ctx) => handler(readRequests(call), ctx), (error, value, trailer) =>
          error ? callback(error) : callback(null, value, trailer),
        );
    case 'server_streaming':
      return (call: ServerWritableStream<unknown, unknown>) =>
        void serve(
          runtime,
          env,
          call,
          call.request,
          (ctx) => writeResponses(call, handler(call.request, ctx) as AsyncIterable<unknown>, ctx),
          endStream(call),
        );
    case 'bidi_streaming':
      return (call: ServerDuplexStream<unknown, unknown>) =>
        void serve(
          runtime,
          env,
          call,
          undefined,
          (ctx) => writeResponses(call, handler(readRequests(call), ctx) as AsyncIterable<unknown>, ctx),
          endStream(call),
        );
  }
}

/**
 * The @grpc/grpc-js implementation object of a service: one wrapped handler
 * per method, keyed like {@link createServiceDefinition}'s definition.
 */
export function createServiceHandlers(
  service: DescService,
  impl: Record<string, AnyHandler>,
  env: ServerCallEnvironment,
): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = impl[method.localName];
    if (!handler) throw new TypeError(`no handler for ${service.typeName}.${method.name}`);
    const path = methodPath(method);
    const runtime: MethodRuntime = {
      path,
      spanName: `${service.typeName}/${method.name}`,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': service.typeName, 'rpc.method': method.name },
      service: service.typeName,
      name: method.name,
      authRequired: env.auth !== undefined && !isExempt(env.auth, path),
      authorizationRequired: env.access !== undefined && !isHealthMethod(path),
      record: createCallRecorder('server', service.typeName, method.name),
    };
    handlers[method.name] = handleCall(method, runtime, env, handler.bind(impl));
  }
  return handlers;
}
