/**
 * @tributary/observability — structured JSON logs joined to traces, OpenTelemetry
 * tracing with W3C propagation, and the Prometheus registry every library shares.
 * Test doubles live under `@tributary/observability/testing`.
 */
export { TracingAlreadyStartedError } from './errors.js';
export { createLogger, type Logger, type LoggerCreateOptions } from './logger.js';
export { getMetricsRegistry } from './metrics.js';
export { startTracing, type Tracing, type TracingOptions } from './tracing.js';
export { withSpan } from './with-span.js';
