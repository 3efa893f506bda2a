import { LATE_ARRIVAL_MINUTES } from '@tributary/features';
import type { TimeRange } from './time-range.js';

/**
 * Departed flights whose outcome is known, in departure order: one row per
 * flight, the label being whether it arrived at least
 * {@link LATE_ARRIVAL_MINUTES} late, the label time its departure — the
 * moment the prediction is wanted.
 */
export interface LabeledFlights {
  readonly rowCount: number;
  /** Departure per row, ms (the dataset's naive local time, as if UTC); ascending. */
  readonly departureTimesMs: Float64Array;
  /** 1 when the flight arrived ≥ 15 min late, else 0. */
  readonly labels: Float64Array;
  readonly origins: readonly string[];
  readonly destinations: readonly string[];
  readonly distancesMiles: Float64Array;
}

/** Where labelled departures come from: the raw events in ClickHouse, or a test's own rows. */
export interface LabelSource {
  /** The flights that departed in `range` and whose arrival has been recorded, in departure order. */
  loadLabels(range: TimeRange): Promise<LabeledFlights>;
}

/** The label of an arrival delay: 1 when the flight was at least {@link LATE_ARRIVAL_MINUTES} late. */
export function lateArrivalLabel(arrivalDelayMinutes: number): 0 | 1 {
  return arrivalDelayMinutes >= LATE_ARRIVAL_MINUTES ? 1 : 0;
}
