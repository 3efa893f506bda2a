import type { Event } from '@tributary/contracts';
import type { TraceContext } from '@tributary/observability';

/**
 * Somewhere validated events are durably written: the ClickHouse raw table,
 * the `events.validated` topic. `write` resolves only once the events are
 * durable; writing the same events again must be harmless.
 */
export interface EventSink {
  /** Names the sink in logs and errors, e.g. `clickhouse:events_raw`. */
  readonly name: string;
  /**
   * `protobuf` holds the same events in protobuf binary, index for index, for
   * sinks that store bytes (the producer's own bytes reused where it sent
   * protobuf: see `validatedEventBytes`). `traceContexts`, index for index
   * too, holds the trace each event arrived in (undefined: the active one), for
   * sinks that pass traces on, as a Kafka topic does.
   */
  write(events: readonly Event[], protobuf: readonly Uint8Array[], traceContexts?: readonly (TraceContext | undefined)[]): Promise<void>;
  /**
   * Which of these events the sink already holds (their ids), for a sink that
   * can tell cheaply, as a table can and a topic cannot. Asked only about
   * events an earlier attempt may have written (claimed and never marked, or
   * a write that failed and may have landed): the rest are not written twice.
   * A sink without it is written again and gets a second copy.
   */
  findWritten?(events: readonly Event[]): Promise<ReadonlySet<string>>;
}
