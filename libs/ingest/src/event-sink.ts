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
}
