import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Histogram } from 'prom-client';

/** The registry's Prometheus metrics. */
export interface RegistryMetrics {
  /** Duration of each registry operation, by operation and outcome (`ok` or the error code). */
  readonly operationSeconds: Histogram<'operation' | 'outcome'>;
  /** Lifecycle events handed to the publisher successfully. */
  readonly eventsPublished: Counter;
  /** Publish attempts that failed; their events stay in the outbox and are tried again. */
  readonly publishFailures: Counter;
}

let metrics: RegistryMetrics | undefined;

/** The registry's metrics, registered once in the shared registry. */
export function registryMetrics(): RegistryMetrics {
  metrics ??= {
    operationSeconds: new Histogram({
      name: 'tributary_registry_operation_seconds',
      help: 'Duration of model registry operations',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [getMetricsRegistry()],
    }),
    eventsPublished: new Counter({
      name: 'tributary_registry_lifecycle_events_published_total',
      help: 'Model lifecycle events published',
      registers: [getMetricsRegistry()],
    }),
    publishFailures: new Counter({
      name: 'tributary_registry_lifecycle_publish_failures_total',
      help: 'Failed attempts to publish model lifecycle events (they are retried from the outbox)',
      registers: [getMetricsRegistry()],
    }),
  };
  return metrics;
}
