/**
 * @tributary/observability — structured JSON logs joined to traces, OpenTelemetry
 * tracing with W3C propagation, the Prometheus registry every library shares,
 * and a reader of the Prometheus text its `/metrics` pages are written in.
 * Test doubles live under `@tributary/observability/testing`.
 */
export { OtlpPayloadError, TracingAlreadyStartedError } from './errors.js';
export { createLogger, type Logger, type LoggerCreateOptions } from './logger.js';
export { getMetricsRegistry } from './metrics.js';
export { exportedMetricNames, metricSamples, sumByLabel, type MetricSample } from './prometheus-text.js';
export { registerTracePropagation, startTracing, tracingSettings, type TraceContext, type Tracing, type TracingOptions, type TracingSettings } from './tracing.js';
export { withSpan } from './with-span.js';
