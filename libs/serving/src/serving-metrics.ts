import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

/** The Prometheus metrics of the serving pipeline, registered once in the shared registry. */
export interface ServingMetrics {
  /** Answers by model, alias and tier. */
  readonly answers: Counter<'model' | 'alias' | 'tier'>;
  /** Time in the pipeline per answer. */
  readonly answerSeconds: Histogram<'model' | 'tier'>;
  /** Requests refused: `invalid`, `not_found`, `overloaded`, `deadline`, `closed`. */
  readonly refused: Counter<'model' | 'reason'>;
  /** Prediction cache lookups: `hit`, `miss`, `bypass` (Redis unhealthy), `error`. */
  readonly cache: Counter<'result'>;
  /** Online feature reads: `ok`, `failed` (the request went on with request values and defaults). */
  readonly onlineReads: Counter<'outcome'>;
  /** Shadow scorings: `ok`, `failed`, `skipped`. */
  readonly shadow: Counter<'outcome'>;
  /** Prediction logs: `sent`, `dropped` (buffer full), `send_failed` (batches kept for a retry). */
  readonly predictionLogs: Counter<'outcome'>;
  /** Prediction logs waiting to be sent. */
  readonly predictionLogBuffer: Gauge;
  /** Versions loaded and warmed. */
  readonly versionLoads: Counter<'model'>;
}

let metrics: ServingMetrics | undefined;

/** The library's metrics; created on first use so importing the library registers nothing. */
export function servingMetrics(): ServingMetrics {
  if (metrics) return metrics;
  const registry = getMetricsRegistry();
  const registers = [registry];
  metrics = {
    answers: reuse(registry, 'tributary_serving_answers_total', (name) =>
      new Counter({ name, help: 'Predictions answered, by model, alias and the tier that served them.', labelNames: ['model', 'alias', 'tier'], registers }),
    ),
    answerSeconds: reuse(registry, 'tributary_serving_answer_seconds', (name) =>
      new Histogram({
        name,
        help: 'Time a prediction spent in the serving pipeline.',
        labelNames: ['model', 'tier'],
        buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
        registers,
      }),
    ),
    refused: reuse(registry, 'tributary_serving_refused_total', (name) =>
      new Counter({ name, help: 'Requests refused, by reason (invalid, not_found, overloaded, deadline, closed).', labelNames: ['model', 'reason'], registers }),
    ),
    cache: reuse(registry, 'tributary_serving_cache_total', (name) =>
      new Counter({ name, help: 'Prediction cache lookups by result (hit, miss, bypass, error).', labelNames: ['result'], registers }),
    ),
    onlineReads: reuse(registry, 'tributary_serving_online_reads_total', (name) =>
      new Counter({ name, help: 'Online feature reads by outcome (ok, failed).', labelNames: ['outcome'], registers }),
    ),
    shadow: reuse(registry, 'tributary_serving_shadow_total', (name) =>
      new Counter({ name, help: 'Shadow scorings by outcome (ok, failed, skipped).', labelNames: ['outcome'], registers }),
    ),
    predictionLogs: reuse(registry, 'tributary_serving_prediction_logs_total', (name) =>
      new Counter({ name, help: 'Prediction logs by outcome (sent, dropped, send_failed).', labelNames: ['outcome'], registers }),
    ),
    predictionLogBuffer: reuse(registry, 'tributary_serving_prediction_log_buffer', (name) =>
      new Gauge({ name, help: 'Prediction logs waiting to be sent to Kafka.', registers }),
    ),
    versionLoads: reuse(registry, 'tributary_serving_version_loads_total', (name) =>
      new Counter({ name, help: 'Model versions loaded and warmed.', labelNames: ['model'], registers }),
    ),
  };
  return metrics;
}

/** Another copy of this library in the process may have registered the metric already. */
function reuse<M extends Metric>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}
