import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { TimeWindowSchema, type TimeWindow } from '@tributary/contracts';

/** A half-open interval of event time, [startMs, endMs), in ms since the epoch. */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

/** The {@link TimeRange} of a `TimeWindow` message, or undefined when the window or either end is unset. */
export function timeRangeOf(window: TimeWindow | undefined): TimeRange | undefined {
  if (!window?.startTime || !window.endTime) return undefined;
  return { startMs: timestampMs(window.startTime), endMs: timestampMs(window.endTime) };
}

/** The `TimeWindow` message of a {@link TimeRange}. */
export function timeWindowOf(range: TimeRange): TimeWindow {
  return create(TimeWindowSchema, { startTime: timestampFromMs(range.startMs), endTime: timestampFromMs(range.endMs) });
}

/** `[2001-01-01T00:00:00.000Z, 2001-05-01T00:00:00.000Z)`, for logs and messages. */
export function formatTimeRange(range: TimeRange): string {
  return `[${new Date(range.startMs).toISOString()}, ${new Date(range.endMs).toISOString()})`;
}
