import { getMetricsRegistry } from '@tributary/observability';
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

/** The Prometheus metrics of this library, registered once in the shared registry. */
export interface KafkaMetrics {
  readonly produced: Counter<'topic'>;
  readonly consumed: Counter<'topic' | 'group'>;
  readonly handlerFailures: Counter<'topic' | 'group'>;
  readonly deadLettered: Counter<'topic' | 'group'>;
  readonly handlerDuration: Histogram<'topic' | 'group'>;
  readonly lag: Gauge<'topic' | 'partition' | 'group'>;
  readonly stalled: Gauge<'topic' | 'group'>;
}

let metrics: KafkaMetrics | undefined;

/** The library's metrics; created on first use so importing the library registers nothing. */
export function kafkaMetrics(): KafkaMetrics {
  if (metrics) return metrics;
  const registers = [getMetricsRegistry()];
  metrics = {
    produced: reuse(registers, 'tributary_kafka_records_produced_total', (name) =>
      new Counter({ name, help: 'Records acknowledged by the brokers.', labelNames: ['topic'], registers }),
    ),
    consumed: reuse(registers, 'tributary_kafka_records_consumed_total', (name) =>
      new Counter({ name, help: 'Records handled (or dead-lettered) and resolved for commit.', labelNames: ['topic', 'group'], registers }),
    ),
    handlerFailures: reuse(registers, 'tributary_kafka_handler_failures_total', (name) =>
      new Counter({ name, help: 'Handler attempts that threw, retries included.', labelNames: ['topic', 'group'], registers }),
    ),
    deadLettered: reuse(registers, 'tributary_kafka_dead_lettered_total', (name) =>
      new Counter({ name, help: 'Records written to a dead-letter topic.', labelNames: ['topic', 'group'], registers }),
    ),
    handlerDuration: reuse(registers, 'tributary_kafka_handler_duration_seconds', (name) =>
      new Histogram({
        name,
        help: 'Duration of one handler call (one record, or one batch in batch mode).',
        labelNames: ['topic', 'group'],
        buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        registers,
      }),
    ),
    lag: reuse(registers, 'tributary_kafka_consumer_lag', (name) =>
      new Gauge({ name, help: 'Records behind the high watermark after the last fetched batch.', labelNames: ['topic', 'partition', 'group'], registers }),
    ),
    stalled: reuse(registers, 'tributary_kafka_consumer_stalled_partitions', (name) =>
      new Gauge({ name, help: 'Partitions holding their records because a dependency of the handler is unavailable.', labelNames: ['topic', 'group'], registers }),
    ),
  };
  return metrics;
}

/** A metric already in the registry (another copy of this module made it) or a new one. */
function reuse<M extends Metric>(registers: readonly Registry[], name: string, create: (name: string) => M): M {
  return (registers[0]?.getSingleMetric(name) as M | undefined) ?? create(name);
}
