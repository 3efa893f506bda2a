import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('@tributary/observability');

/**
 * Runs `fn` inside a new active span named `name`, ended when `fn` settles.
 * A failure is recorded on the span as an exception with ERROR status and
 * `error.type`, then rethrown. Success leaves the status unset, as the
 * OpenTelemetry spec asks of instrumentation.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T | Promise<T>, attributes?: Attributes): Promise<T> {
  return tracer().startActiveSpan(name, attributes === undefined ? {} : { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setAttribute('error.type', failure.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw error;
    } finally {
      span.end();
    }
  });
}
