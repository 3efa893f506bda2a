import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Histogram, type Metric, type Registry } from 'prom-client';

/** The Prometheus metrics of ingestion, registered once in the shared registry. */
export interface IngestMetrics {
  readonly accepted: Counter<'type'>;
  readonly rejected: Counter<'reason'>;
  readonly duplicates: Counter<'type'>;
  /** Events a sink already held from an earlier attempt (a crash or a failed try), not written to it again. */
  readonly alreadyWritten: Counter<'sink'>;
  readonly batchDuration: Histogram;
}

let metrics: IngestMetrics | undefined;

/** The metrics; created on first use so importing the library registers nothing. */
export function ingestMetrics(): IngestMetrics {
  if (metrics) return metrics;
  const registers = [getMetricsRegistry()];
  metrics = {
    accepted: reuse(registers, 'tributary_ingest_events_accepted_total', (name) =>
      new Counter({ name, help: 'Events validated, new, and durably written.', labelNames: ['type'], registers }),
    ),
    rejected: reuse(registers, 'tributary_ingest_events_rejected_total', (name) =>
      new Counter({ name, help: 'Events rejected by decoding or validation, by reason code.', labelNames: ['reason'], registers }),
    ),
    duplicates: reuse(registers, 'tributary_ingest_events_duplicate_total', (name) =>
      new Counter({ name, help: 'Valid events dropped because their id was already written.', labelNames: ['type'], registers }),
    ),
    alreadyWritten: reuse(registers, 'tributary_ingest_events_already_written_total', (name) =>
      new Counter({
        name,
        help: 'Events a sink already held from an earlier attempt that never marked them (a crash, a failed try), not written to it again.',
        labelNames: ['sink'],
        registers,
      }),
    ),
    batchDuration: reuse(registers, 'tributary_ingest_batch_duration_seconds', (name) =>
      new Histogram({
        name,
        help: 'Duration of ingesting one batch: decode, validate, deduplicate, write, mark.',
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
    ),
  };
  return metrics;
}

/** A metric already in the registry (another copy of this module made it) or a new one. */
function reuse<M extends Metric>(registers: readonly Registry[], name: string, create: (name: string) => M): M {
  return (registers[0]?.getSingleMetric(name) as M | undefined) ?? create(name);
}
