import { InvalidOptionsError } from './errors.js';

/** Options of {@link createEventTimeWindows}. */
export interface EventTimeWindowsOptions {
  /** Length of a window, ms. */
  readonly sizeMs: number;
  /** Distance between two windows' starts, ms; at most `sizeMs`. Default: `sizeMs` (tumbling windows). */
  readonly stepMs?: number;
}

/** A half-open event-time interval [startMs, endMs). */
export interface EventTimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Event-time windows aligned to the epoch: starts at multiples of the step, each `sizeMs` long. */
export interface EventTimeWindows {
  readonly sizeMs: number;
  readonly stepMs: number;
  /** The windows an event at `timeMs` falls in, oldest first (one when tumbling). */
  windowsOf(timeMs: number): EventTimeWindow[];
  /** The windows whose end lies in (afterMs, throughMs], oldest first. */
  endingIn(afterMs: number, throughMs: number): EventTimeWindow[];
  /** The first window containing `timeMs`. */
  firstContaining(timeMs: number): EventTimeWindow;
}

/**
 * Creates tumbling (`stepMs` = `sizeMs`) or sliding (`stepMs` < `sizeMs`)
 * windows. Aligned to the epoch, so every process (and a restarted one)
 * cuts the same windows from the same events.
 */
export function createEventTimeWindows(options: EventTimeWindowsOptions): EventTimeWindows {
  const { sizeMs, stepMs = sizeMs } = options;
  if (!Number.isSafeInteger(sizeMs) || sizeMs < 1) throw new InvalidOptionsError('sizeMs', `must be a whole number of ms ≥ 1, got ${sizeMs}`);
  if (!Number.isSafeInteger(stepMs) || stepMs < 1 || stepMs > sizeMs) {
    throw new InvalidOptionsError('stepMs', `must be a whole number of ms in [1, sizeMs = ${sizeMs}], got ${stepMs}`);
  }
  const at = (k: number): EventTimeWindow => ({ startMs: k * stepMs, endMs: k * stepMs + sizeMs });
  const firstIndexContaining = (timeMs: number) => Math.floor((timeMs - sizeMs) / stepMs) + 1;
  return {
    sizeMs,
    stepMs,
    windowsOf(timeMs) {
      const windows: EventTimeWindow[] = [];
      for (let k = firstIndexContaining(timeMs); k * stepMs <= timeMs; k++) windows.push(at(k));
      return windows;
    },
    endingIn(afterMs, throughMs) {
      const windows: EventTimeWindow[] = [];
      // End k·step + size > afterMs ⇔ k > (afterMs − size) / step.
      for (let k = Math.floor((afterMs - sizeMs) / stepMs) + 1; k * stepMs + sizeMs <= throughMs; k++) windows.push(at(k));
      return windows;
    },
    firstContaining(timeMs) {
      return at(firstIndexContaining(timeMs));
    },
  };
}
