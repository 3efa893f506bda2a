import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Histogram } from 'prom-client';

/** The Prometheus metrics of this library, registered once in the shared registry. */
export interface FeatureMetrics {
  /** Online vector reads by entity type, seconds per call (one or many entities). */
  readonly onlineReadSeconds: Histogram<'entity_type'>;
  /** Online reads that missed their deadline. */
  readonly onlineReadTimeouts: Counter<'entity_type'>;
  /** Records through the processor by outcome: accepted, duplicate, ignored, too_late, invalid. */
  readonly records: Counter<'outcome'>;
  /** Feature snapshots written, by store: online (coalesced per entity) or offline. */
  readonly snapshotsWritten: Counter<'store'>;
  /** Time to process one batch end to end: aggregate, offline insert, online + checkpoint commit. */
  readonly batchSeconds: Histogram;
}

let metrics: FeatureMetrics | undefined;

/** The library's metrics, created in {@link getMetricsRegistry} on first use. */
export function featureMetrics(): FeatureMetrics {
  if (!metrics) {
    const registers = [getMetricsRegistry()];
    metrics = {
      onlineReadSeconds: new Histogram({
        name: 'tributary_features_online_read_seconds',
        help: 'Online feature vector reads, seconds per call',
        labelNames: ['entity_type'],
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
        registers,
      }),
      onlineReadTimeouts: new Counter({
        name: 'tributary_features_online_read_timeouts_total',
        help: 'Online feature reads that missed their deadline',
        labelNames: ['entity_type'],
        registers,
      }),
      records: new Counter({ name: 'tributary_features_records_total', help: 'Records through the feature processor by outcome', labelNames: ['outcome'], registers }),
      snapshotsWritten: new Counter({ name: 'tributary_features_snapshots_written_total', help: 'Feature snapshots written by store', labelNames: ['store'], registers }),
      batchSeconds: new Histogram({
        name: 'tributary_features_batch_seconds',
        help: 'Feature processor batch time: aggregate, offline insert, online write and checkpoint',
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
    };
  }
  return metrics;
}
