/** An inclusive range of plausible values. */
export interface PlausibleRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Arrival delays the data may plausibly hold, in minutes: at most 90 minutes
 * early (schedules are padded, but not by hours) and at most 24 hours late.
 * The dataset holds 11 flights outside it (e.g. −1116 and +1688 minutes);
 * their `flight.arrived` events are emitted as they are and rejected by
 * ingestion with reason `schema.out_of_range`.
 */
export const ARRIVAL_DELAY_MINUTES_RANGE: PlausibleRange = { min: -90, max: 1440 };

/**
 * Distances of US domestic flights, in miles: the dataset spans 21–4962; the
 * longest domestic routes (Hawaii to the East Coast) are about 5100.
 */
export const DISTANCE_MILES_RANGE: PlausibleRange = { min: 1, max: 5500 };

/** Whether `value` lies inside the inclusive `range`. */
export function isInRange(value: number, range: PlausibleRange): boolean {
  return value >= range.min && value <= range.max;
}
