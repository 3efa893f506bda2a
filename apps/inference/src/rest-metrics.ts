import { getMetricsRegistry } from '@tributary/observability';
import { Histogram } from 'prom-client';

const NAME = 'http_server_request_duration_seconds';

/** Records REST requests in the shared registry: duration by route, method and status (the count is the histogram's). */
export function restMetrics(): { record(route: string, method: string, status: number, seconds: number): void } {
  const registry = getMetricsRegistry();
  const histogram =
    (registry.getSingleMetric(NAME) as Histogram<'route' | 'method' | 'status'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'Duration of REST requests until the response, in seconds, by route, method and status.',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  return {
    record(route, method, status, seconds) {
      histogram.observe({ route, method, status: String(status) }, seconds);
    },
  };
}
