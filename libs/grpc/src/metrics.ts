import { Counter, Histogram, type Registry } from 'prom-client';
import { getMetricsRegistry } from '@tributary/observability';

/** Latency buckets in seconds, from 0.25 ms (local unary) to 10 s (artifact streams). */
const latencyBucketsSeconds = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Records one finished call of a method: its status code and duration. */
export type CallRecorder = (code: string, durationSeconds: number) => void;

interface CallMetrics {
  readonly handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly latency: Histogram<'grpc_service' | 'grpc_method'>;
}

const metricsBySide = new Map<'server' | 'client', CallMetrics>();

function registerOnce<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function callMetrics(side: 'server' | 'client'): CallMetrics {
  let metrics = metricsBySide.get(side);
  if (!metrics) {
    const registry = getMetricsRegistry();
    const handledName = `grpc_${side}_handled_total`;
    const latencyName = `grpc_${side}_handling_seconds`;
    metrics = {
      handled: registerOnce(registry, handledName, () =>
        new Counter({
          name: handledName,
          help: `gRPC calls completed on the ${side} side, by method and status code.`,
          labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
          registers: [registry],
        }),
      ),
      latency: registerOnce(registry, latencyName, () =>
        new Histogram({
          name: latencyName,
          help: `Duration of gRPC calls on the ${side} side until the status, in seconds.`,
          labelNames: ['grpc_service', 'grpc_method'] as const,
          buckets: latencyBucketsSeconds,
          registers: [registry],
        }),
      ),
    };
    metricsBySide.set(side, metrics);
  }
  return metrics;
}

/**
 * A recorder for one method on one side, with its label children resolved
 * once, so that recording a call does not hash label sets on the hot path.
 */
export function createCallRecorder(side: 'server' | 'client', service: string, method: string): CallRecorder {
  const { handled, latency } = callMetrics(side);
  const latencyChild = latency.labels(service, method);
  const handledByCode = new Map<string, { inc(): void }>();
  return (code, durationSeconds) => {
    let counter = handledByCode.get(code);
    if (!counter) {
      counter = handled.labels(service, method, code);
      handledByCode.set(code, counter);
    }
    counter.inc();
    latencyChild.observe(durationSeconds);
  };
}

/** Records one refused call: its method, status code and a short reason label. */
export type RefusalRecorder = (service: string, method: string, code: string, reason: string) => void;

/**
 * Counts refused calls in `grpc_server_refused_total` (by service, method,
 * code and reason: `missing-token`, `no-peer-identity`, `policy`…), so an
 * alert sees an identity probing what it may not call.
 */
export function createRefusalRecorder(): RefusalRecorder {
  const registry = getMetricsRegistry();
  const name = 'grpc_server_refused_total';
  const counter = registerOnce(registry, name, () =>
    new Counter({
      name,
      help: 'gRPC calls refused before their handler ran (UNAUTHENTICATED or PERMISSION_DENIED), by method, code and reason.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code', 'reason'] as const,
      registers: [registry],
    }),
  );
  return (service, method, code, reason) => counter.labels(service, method, code, reason).inc();
}
