/**
 * Fixed inputs shared by the statistics specs. They are built from integer
 * arithmetic so that the Python expressions quoted next to the reference numbers
 * build exactly the same floats.
 */
import { expect } from 'vitest';

/** Binned counts with an empty bin on the reference side, and totals 100 and 200. */
export const referenceCounts = [10, 20, 0, 30, 40];
export const currentCounts = [30, 30, 10, 70, 60];

/** Small samples of sizes 10 and 13 with ties within and across them (`a`, `b` in the specs' Python). */
export const smallSample1 = [0.1, 0.4, 0.4, 0.7, 1.2, 1.5, 2.0, 2.0, 2.3, 3.1];
export const smallSample2 = [0.4, 0.9, 1.1, 1.5, 1.5, 2.6, 2.8, 3.3, 3.9, 4.0, 4.2, 5.0, 5.5];

/** `A = [((i*7919) % 1000)/100 for i in range(400)]` */
export const largeSample1 = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 1000) / 100);
/** `B = [((j*104729) % 997)/90 + 0.3 for j in range(600)]` */
export const largeSample2 = Array.from({ length: 600 }, (_, j) => ((j * 104729) % 997) / 90 + 0.3);

/** Asserts |actual − expected| ≤ tolerance · |expected|. */
export function expectRelativelyClose(actual: number, expected: number, tolerance = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}
