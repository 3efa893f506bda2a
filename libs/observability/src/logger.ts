import { trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Options of {@link createLogger}. */
export interface LoggerCreateOptions {
  /** Service or component name, written as `service` on every line. */
  readonly name: string;
  /** Minimum level; defaults to `LOG_LEVEL` from the environment, else `info`. */
  readonly level?: string;
  /** Where lines go; defaults to standard output. Tests pass a stream to read lines back. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * A JSON logger whose every line carries the active span's `trace_id` and
 * `span_id`, so logs and traces of one request can be joined.
 */
export function createLogger(options: LoggerCreateOptions): Logger {
  const level = options.level ?? (process.env['LOG_LEVEL']?.trim() || 'info');
  const config: LoggerOptions = {
    level,
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
