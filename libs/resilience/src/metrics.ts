import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** The Prometheus metrics of this library, registered once in the shared registry. */
export interface ResilienceMetrics {
  readonly breakerState: Gauge<'breaker'>;
  readonly breakerEvents: Counter<'breaker' | 'event'>;
  readonly fallbackServed: Counter<'chain' | 'tier'>;
  readonly bulkheadActive: Gauge<'bulkhead'>;
  readonly bulkheadQueued: Gauge<'bulkhead'>;
  readonly bulkheadRejected: Counter<'bulkhead' | 'reason'>;
}

let metrics: ResilienceMetrics | undefined;

/** The library's metrics; created on first use so importing the library registers nothing. */
export function resilienceMetrics(): ResilienceMetrics {
  if (metrics) return metrics;
  const registry = getMetricsRegistry();
  const registers = [registry];
  metrics = {
    breakerState: reuse(registry, 'tributary_breaker_state', (name) =>
      new Gauge({ name, help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', labelNames: ['breaker'], registers }),
    ),
    breakerEvents: reuse(registry, 'tributary_breaker_events_total', (name) =>
      new Counter({
        name,
        help: 'Circuit breaker outcomes: success, failure, timeout, reject (failed fast while open), fallback.',
        labelNames: ['breaker', 'event'],
        registers,
      }),
    ),
    fallbackServed: reuse(registry, 'tributary_fallback_served_total', (name) =>
      new Counter({ name, help: 'Answers of a fallback chain by the tier that served them.', labelNames: ['chain', 'tier'], registers }),
    ),
    bulkheadActive: reuse(registry, 'tributary_bulkhead_active', (name) =>
      new Gauge({ name, help: 'Calls running inside a bulkhead.', labelNames: ['bulkhead'], registers }),
    ),
    bulkheadQueued: reuse(registry, 'tributary_bulkhead_queued', (name) =>
      new Gauge({ name, help: 'Calls waiting for a bulkhead slot.', labelNames: ['bulkhead'], registers }),
    ),
    bulkheadRejected: reuse(registry, 'tributary_bulkhead_rejected_total', (name) =>
      new Counter({ name, help: 'Calls a bulkhead refused, by reason (queue-full, queue-timeout).', labelNames: ['bulkhead', 'reason'], registers }),
    ),
  };
  return metrics;
}

/** Another copy of this library in the process may have registered the metric already. */
function reuse<M extends Metric>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}
