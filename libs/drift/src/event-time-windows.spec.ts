import { describe, expect, it } from 'vitest';
import { createEventTimeWindows, InvalidOptionsError } from './index.js';

const HOUR = 3_600_000;

describe('createEventTimeWindows()', () => {
  it('puts an event in exactly one tumbling window', () => {
    const windows = createEventTimeWindows({ sizeMs: 6 * HOUR });
    expect(windows.windowsOf(7 * HOUR)).toEqual([{ startMs: 6 * HOUR, endMs: 12 * HOUR }]);
    expect(windows.windowsOf(6 * HOUR)).toEqual([{ startMs: 6 * HOUR, endMs: 12 * HOUR }]);
    expect(windows.windowsOf(6 * HOUR - 1)).toEqual([{ startMs: 0, endMs: 6 * HOUR }]);
  });

  it('puts an event in size ÷ step sliding windows, oldest first', () => {
    const windows = createEventTimeWindows({ sizeMs: 4 * HOUR, stepMs: HOUR });
    const of = windows.windowsOf(5.5 * HOUR);
    expect(of.map((w) => w.startMs / HOUR)).toEqual([2, 3, 4, 5]);
    for (const w of of) expect(w.endMs - w.startMs).toBe(4 * HOUR);
    expect(windows.firstContaining(5.5 * HOUR)).toEqual(of[0]);
  });

  it('lists the windows ending in a half-open range, so consecutive ranges close each window once', () => {
    const windows = createEventTimeWindows({ sizeMs: 2 * HOUR, stepMs: HOUR });
    const first = windows.endingIn(0, 4 * HOUR);
    const second = windows.endingIn(4 * HOUR, 6 * HOUR);
    expect(first.map((w) => w.endMs / HOUR)).toEqual([1, 2, 3, 4]);
    expect(second.map((w) => w.endMs / HOUR)).toEqual([5, 6]);
  });

  it('refuses a step longer than the window', () => {
    expect(() => createEventTimeWindows({ sizeMs: HOUR, stepMs: 2 * HOUR })).toThrow(InvalidOptionsError);
    expect(() => createEventTimeWindows({ sizeMs: 0 })).toThrow(/sizeMs/);
  });
});
