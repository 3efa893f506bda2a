/** The slice of the flights dataset a scenario replays, and the events it holds. */
import { readFlightEvents } from '@tributary/flights';
import { InvalidSliceError } from './errors.js';

/** Departures from `from` (inclusive) to `to` (exclusive), naive local times as `tributary publish` takes them. */
export interface FlightSlice {
  /** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`. */
  readonly from: string;
  readonly to: string;
}

/** The events of a slice: every id a publish of it must deliver, and the latest event time. */
export interface SliceEvents {
  readonly ids: ReadonlySet<string>;
  readonly lastEventTimeMs: number;
}

const SLICE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/;

/** Naive local time as if UTC, as the dataset and `tributary publish` read it. */
export function sliceTimeMs(text: string): number {
  const ms = SLICE_TIME.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00Z` : `${text}Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidSliceError(text);
  return ms;
}

/** Reads the slice's events from the dataset (the same rows the publisher sends). */
export async function readSliceEvents(slice: FlightSlice): Promise<SliceEvents> {
  const ids = new Set<string>();
  let lastEventTimeMs = Number.NEGATIVE_INFINITY;
  for await (const event of readFlightEvents({ fromMs: sliceTimeMs(slice.from), toMs: sliceTimeMs(slice.to) })) {
    ids.add(event.eventId);
    if (event.eventTimeMs > lastEventTimeMs) lastEventTimeMs = event.eventTimeMs;
  }
  return { ids, lastEventTimeMs };
}
