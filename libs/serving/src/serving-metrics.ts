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
  /** Explanations asked for, by outcome: `explained`, `no_model` (the rules or the default answered), `deadline`, `failed`. */
  readonly explanations: Counter<'model' | 'outcome'>;
  /** From asking a worker for an explanation to its answer; a version's first includes building its explainer. */
  readonly explainSeconds: Histogram<'model' | 'method'>;
  /** Events the streaming scorer answered, by tier (committed or not: a chunk scored again after a crash counts twice). */
  readonly streamingScored: Counter<'model' | 'tier'>;
  /** From an event's append to the input topic to its answer, per event. */
  readonly streamingDelaySeconds: Histogram<'model'>;
  /** Waits of the streaming scorer for a primary queue that shed its rows. */
  readonly streamingBackPressureWaits: Counter<'model'>;
  /** 1 while the streaming scorer's consumer is paused by back-pressure. */
  readonly streamingBackPressured: Gauge<'model'>;
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
    explanations: reuse(registry, 'tributary_serving_explanations_total', (name) =>
      new Counter({ name, help: 'Explanations asked for, by outcome (explained, no_model, deadline, failed).', labelNames: ['model', 'outcome'], registers }),
    ),
    explainSeconds: reuse(registry, 'tributary_serving_explain_seconds', (name) =>
      new Histogram({
        name,
        help: "Time an explanation took in the ONNX workers, by method; a version's first includes building its explainer.",
        labelNames: ['model', 'method'],
        buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
    ),
    streamingScored: reuse(registry, 'tributary_streaming_scored_total', (name) =>
      new Counter({ name, help: 'flight.departed events the streaming scorer answered, by tier.', labelNames: ['model', 'tier'], registers }),
    ),
    streamingDelaySeconds: reuse(registry, 'tributary_streaming_delay_seconds', (name) =>
      new Histogram({
        name,
        help: 'From an event appended to the input topic to its answer by the streaming scorer.',
        labelNames: ['model'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
    ),
    streamingBackPressureWaits: reuse(registry, 'tributary_streaming_back_pressure_waits_total', (name) =>
      new Counter({ name, help: 'Waits of the streaming scorer for a primary queue that shed its rows (never dropped).', labelNames: ['model'], registers }),
    ),
    streamingBackPressured: reuse(registry, 'tributary_streaming_back_pressured', (name) =>
      new Gauge({ name, help: '1 while the streaming scorer pauses its consumer because the serving queue sheds.', labelNames: ['model'], registers }),
    ),
  };
  return metrics;
}

/** Another copy of this library in the process may have registered the metric already. */
function reuse<M extends Metric>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}
