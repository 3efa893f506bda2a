/**
 * An event as the aggregation engine reads it: flat fields, whatever its wire
 * format was. Feature definitions name the fields they key on and aggregate.
 */
export interface FeatureEvent {
  /** Unique id of the event. */
  readonly id: string;
  /** Event type, e.g. `flight.arrived`; selects the definitions it feeds. */
  readonly type: string;
  /** Event time in ms since the epoch; windows are in event time. */
  readonly timeMs: number;
  /** Key fields (strings) and numeric fields the definitions read, e.g. `origin`, `arrivalDelayMinutes`. */
  readonly fields: Readonly<Record<string, string | number>>;
}

/** An event with its position in its source: the offset is what makes reprocessing skippable. */
export interface FeatureRecord {
  /** The ordered source the event came from, e.g. `events.validated/3` (a topic partition). */
  readonly source: string;
  /** Position in the source; increases within a source. */
  readonly offset: bigint;
  readonly event: FeatureEvent;
}
