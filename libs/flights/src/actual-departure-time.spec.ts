import { describe, expect, it } from 'vitest';
import { MIDNIGHT_SLIP_MS, actualDepartureTimeMs, departedPastMidnight } from './index.js';

/** A row of 15 Jan 2001 at `hh:mm` with the given arrival delay. */
function row(hours: number, minutes: number, arrivalDelayMinutes: number) {
  return { departureTimeMs: Date.UTC(2001, 0, 15, hours, minutes), arrivalDelayMinutes };
}

describe('departedPastMidnight()', () => {
  it('finds a row at 00:30 that arrived 200 minutes late: scheduled 21:10, it left the next day', () => {
    expect(departedPastMidnight(row(0, 30, 200))).toBe(true);
  });

  it('keeps a row whose delay fits within its day: scheduled 00:00, 30 minutes late', () => {
    expect(departedPastMidnight(row(0, 30, 30))).toBe(false);
    expect(departedPastMidnight(row(0, 30, 31))).toBe(true);
  });

  it('keeps early and on-time flights after midnight (red-eyes scheduled then)', () => {
    expect(departedPastMidnight(row(0, 5, -10))).toBe(false);
    expect(departedPastMidnight(row(0, 0, 0))).toBe(false);
  });

  it('judges by the minutes since midnight, not by the delay alone', () => {
    expect(departedPastMidnight(row(14, 0, 300))).toBe(false);
    // Ten hours late at 10:00: scheduled the evening before the recorded day, so it left a day later.
    expect(departedPastMidnight(row(10, 0, 700))).toBe(true);
  });
});

describe('actualDepartureTimeMs()', () => {
  it('moves a flight that left past midnight by one day and keeps the others', () => {
    expect(MIDNIGHT_SLIP_MS).toBe(24 * 3_600_000);
    expect(actualDepartureTimeMs(row(0, 30, 200))).toBe(Date.UTC(2001, 0, 16, 0, 30));
    expect(actualDepartureTimeMs(row(0, 30, 12))).toBe(Date.UTC(2001, 0, 15, 0, 30));
  });
});
