/**
 * @tributary/observability — structured JSON logs joined to traces, OpenTelemetry
 * tracing with W3C propagation, and the Prometheus registry every library shares.
 */
export { createLogger, type Logger, type LoggerCreateOptions } from './logger.js';
export { getMetricsRegistry } from './metrics.js';
