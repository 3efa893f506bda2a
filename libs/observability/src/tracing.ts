import { context, diag, DiagLogLevel, propagation, trace, type Context, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { createLogger } from './logger.js';

/**
 * A trace context (OpenTelemetry's `Context`), for libraries that carry one
 * along with their data — e.g. each record's to what is written for it —
 * without depending on the OpenTelemetry API themselves.
 */
export type TraceContext = Context;

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of every span, e.g. `inference`. */
  readonly serviceName: string;
  /** `service.version` of every span. Default: none. */
  readonly serviceVersion?: string;
  /**
   * OTLP/HTTP collector base URL; spans go to `<endpoint>/v1/traces` through a
   * batch span processor. Default: `OTEL_EXPORTER_OTLP_ENDPOINT` from the
   * environment; when that is unset or blank too, spans are not exported.
   * `undefined` is accepted so a loaded config's optional value passes as is.
   */
  readonly otlpEndpoint?: string | undefined;
  /** More span processors, e.g. an in-memory one in tests. Default: none. */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/**
 * What decides whether a span is recorded. `OTEL_TRACES_SAMPLER` (e.g.
 * `traceidratio` with `OTEL_TRACES_SAMPLER_ARG`), when set, decides. Otherwise
 * every span is recorded when something exports them, and when nothing does,
 * only spans whose caller's trace is sampled (so a sampled trace stays whole
 * across services): recording a span costs tens of µs of a request, worth
 * paying only for spans someone reads. Unrecorded spans still carry trace ids,
 * so logs, prediction logs and Kafka headers keep them.
 */
function samplerFor(processors: readonly SpanProcessor[]): { sampler?: ParentBasedSampler } {
  if (process.env['OTEL_TRACES_SAMPLER']?.trim() || processors.length > 0) return {};
  return { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) };
}

/** The tracing of this process, as {@link startTracing} registered it. */
export interface Tracing {
  /** The global tracer provider; `trace.getTracer()` hands out its tracers. */
  readonly provider: BasicTracerProvider;
  /** Where spans are exported, or undefined when they are not. */
  readonly otlpTracesUrl: string | undefined;
  /** Exports every ended span now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the processors and unregisters the globals. Idempotent. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;
let activeSettings: TracingSettings | undefined;

/** What {@link startTracing} was given, as plain data: a worker thread that sends spans of its own starts tracing with it. */
export type TracingSettings = Pick<TracingOptions, 'serviceName' | 'serviceVersion' | 'otlpEndpoint'>;

/** The settings of the tracing {@link startTracing} registered in this thread (span processors left out), or undefined. */
export function tracingSettings(): TracingSettings | undefined {
  return activeSettings;
}

/** Whether {@link startTracing} has registered tracing that is not shut down. */
export function isTracingStarted(): boolean {
  return active !== undefined;
}

/**
 * Registers the process-wide tracer provider, the AsyncLocalStorage context
 * manager (so the active span follows async calls) and the W3C trace-context
 * and baggage propagators (so Kafka headers and gRPC metadata carry traces).
 * Call it first in `main`, before clients are created. A second call while
 * tracing runs returns the running one and ignores its options.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (active) return active;
  const otlpTracesUrl = tracesUrl(options.otlpEndpoint ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const processors = [...(options.spanProcessors ?? [])];
  if (otlpTracesUrl) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl })));
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
      }),
    ),
    spanProcessors: processors,
    ...samplerFor(processors),
  });
  diag.setLogger(diagToLogger(), DiagLogLevel.WARN);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  registerTracePropagation();
  trace.setGlobalTracerProvider(provider);

  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    provider,
    otlpTracesUrl,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopping ??= provider.shutdown().finally(() => {
        trace.disable();
        propagation.disable();
        context.disable();
        diag.disable();
        if (active === tracing) {
          active = undefined;
          activeSettings = undefined;
        }
      });
      return stopping;
    },
  };
  active = tracing;
  activeSettings = {
    serviceName: options.serviceName,
    ...(options.serviceVersion === undefined ? {} : { serviceVersion: options.serviceVersion }),
    otlpEndpoint: otlpTracesUrl === undefined ? '' : otlpTracesUrl.slice(0, -'/v1/traces'.length),
  };
  return tracing;
}

/**
 * Registers the W3C trace-context and baggage propagators alone (what
 * {@link startTracing} registers too), for a worker thread that only carries
 * trace contexts it is handed (extracts and injects them) and records no spans.
 */
export function registerTracePropagation(): void {
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
}

function tracesUrl(endpoint: string | undefined): string | undefined {
  const base = endpoint?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** OpenTelemetry's own warnings (an unreachable collector, dropped spans) as log lines. */
function diagToLogger(): DiagLogger {
  const logger = createLogger({ name: 'opentelemetry' });
  return {
    error: (message, ...args) => logger.error({ args }, message),
    warn: (message, ...args) => logger.warn({ args }, message),
    info: (message, ...args) => logger.info({ args }, message),
    debug: (message, ...args) => logger.debug({ args }, message),
    verbose: (message, ...args) => logger.trace({ args }, message),
  };
}
