import type { FlightAtDeparture } from '@tributary/features';
import { InvalidScoringWindowError } from './errors.js';

/** A departed flight to score: the id of its `flight.departed` event (the key of its result row) and the flight as the model sees it. */
export interface Departure {
  readonly eventId: string;
  /** Departure = the dataset row's time, the label time the trainer gives the same flight. */
  readonly flight: FlightAtDeparture;
}

/** Where a job's departures come from: the raw events in ClickHouse, or a Parquet file of flights. */
export interface DepartureSource {
  /** What is read, for messages and the job record, e.g. `tributary.events_raw [2001-06-01T00:00, 2001-07-01T00:00)`. */
  readonly description: string;
  /** Names the rows independently of when they are read: the same identity, the same job (see `defaultJobId`). */
  identity(): Promise<string>;
  /** How many departures {@link departures} yields. */
  count(): Promise<number>;
  /** Every departure once, in a fixed order (departure, then event id), a page at a time. */
  departures(): AsyncIterable<readonly Departure[]>;
}

/** A half-open window of departures, [fromMs, toMs), naive local times read as UTC like the dataset's. */
export interface DepartureWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** `[2001-06-01T00:00, 2001-07-01T00:00)` */
export function formatWindow(window: DepartureWindow): string {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  return `[${iso(window.fromMs)}, ${iso(window.toMs)})`;
}

/** Throws {@link InvalidScoringWindowError} unless the window starts before it ends. */
export function checkWindow(window: DepartureWindow): void {
  if (!(window.fromMs < window.toMs)) throw new InvalidScoringWindowError(window.fromMs, window.toMs);
}
