/** Fixed part of the estimated block time: taxi out, climb, descent and taxi in. */
export const BLOCK_TIME_BASE_MINUTES = 40;

/** Cruise speed the estimate assumes: 7 miles a minute (420 mph). */
export const BLOCK_TIME_MILES_PER_MINUTE = 7;

/**
 * Estimated gate-to-gate time of a flight: 40 min + distance / 7 min, in whole
 * milliseconds. The dataset has no arrival time, so a flight's arrival event is
 * placed this long after its actual departure; its real delay is in the event.
 */
export function estimatedBlockTimeMs(distanceMiles: number): number {
  return Math.round((BLOCK_TIME_BASE_MINUTES + distanceMiles / BLOCK_TIME_MILES_PER_MINUTE) * 60_000);
}
