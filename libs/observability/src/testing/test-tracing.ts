import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { TracingAlreadyStartedError } from '../errors.js';
import { isTracingStarted, startTracing, type Tracing } from '../tracing.js';

/** Tracing whose spans are kept in memory. */
export interface TestTracing extends Tracing {
  /** The exporter holding every ended span. */
  readonly exporter: InMemorySpanExporter;
  /** The ended spans so far, oldest first. */
  spans(): ReadableSpan[];
  /** Forgets the spans so far. */
  reset(): void;
}

/**
 * {@link startTracing} with the production context manager and propagators,
 * exporting each ended span synchronously to memory and never over the
 * network, whatever the environment says. `shutdown()` unregisters it.
 * Throws if tracing already runs, since its spans would not reach memory.
 */
export function startTestTracing(serviceName = 'test'): TestTracing {
  if (isTracingStarted()) {
    throw new TracingAlreadyStartedError();
  }
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName, otlpEndpoint: '', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    ...tracing,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
  };
}
