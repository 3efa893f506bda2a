import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '@tributary/seeded-random';
import { GrowthThreads } from './growth-threads.js';
import { createHistogramLayout, subtractHistogram, type HistogramLayout } from './histogram.js';
import { createTrainingMemory, type TrainingMemory } from './training-memory.js';

/** Enough rows that both jobs go to the worker when there is one. */
const rowCount = 70_000;
const binCounts = [256, 2, 17, 256, 40];

function setUp(): { memory: TrainingMemory; layout: HistogramLayout } {
  const layout = createHistogramLayout(binCounts);
  const memory = createTrainingMemory({ rowCount, featureCount: binCounts.length, histogramLength: layout.length, histogramCount: 3 });
  const random = createRandom(1);
  memory.bins.forEach((column, f) => column.forEach((_, r) => (column[r] = Math.floor(random() * (binCounts[f] as number)))));
  for (let r = 0; r < rowCount; r++) {
    memory.rows[r] = r;
    memory.orderedGrad[r] = random() - 0.5;
    memory.orderedHess[r] = random();
  }
  return { memory, layout };
}

/** The histogram as a plain loop sums it: rows in order, feature by feature. */
function referenceHistogram(memory: TrainingMemory, layout: HistogramLayout, start: number, end: number): Float64Array {
  const histogram = new Float64Array(layout.length);
  memory.bins.forEach((column, f) => {
    for (let i = start; i < end; i++) {
      const at = (layout.offsets[f] as number) + (column[memory.rows[i] as number] as number) * 3;
      histogram[at]! += memory.orderedGrad[i] as number;
      histogram[at + 1]! += memory.orderedHess[i] as number;
      histogram[at + 2]! += 1;
    }
  });
  return histogram;
}

const allFeatures = Int32Array.from(binCounts, (_, f) => f);
const opened: GrowthThreads[] = [];
const open = (memory: TrainingMemory, layout: HistogramLayout, threads: number) => {
  const growth = new GrowthThreads(memory, layout, threads);
  opened.push(growth);
  return growth;
};
afterEach(() => opened.splice(0).forEach((growth) => growth.close()));

describe('GrowthThreads', () => {
  it.each([1, 2])('builds, with %i thread(s), the histogram a plain loop sums, bit for bit', (threads) => {
    const { memory, layout } = setUp();
    const growth = open(memory, layout, threads);
    const [all, part] = memory.histograms as [Float64Array, Float64Array];
    growth.buildHistogram(all, allFeatures, 0, rowCount, true);
    expect(all).toEqual(referenceHistogram(memory, layout, 0, rowCount));
    // Rows by index: shuffle a range so the kernel must follow `rows`.
    memory.rows.subarray(1000, 60_000).reverse();
    growth.buildHistogram(part, allFeatures, 1000, 60_000, false);
    expect(part).toEqual(referenceHistogram(memory, layout, 1000, 60_000));
  });

  it('builds only the features asked for', () => {
    const { memory, layout } = setUp();
    const histogram = memory.histograms[0] as Float64Array;
    open(memory, layout, 2).buildHistogram(histogram, Int32Array.of(1, 3, 4), 0, rowCount, true);
    const reference = referenceHistogram(memory, layout, 0, rowCount);
    for (const f of [0, 2]) {
      const from = layout.offsets[f] as number;
      expect(histogram.subarray(from, from + (binCounts[f] as number) * 3).every((v) => v === 0)).toBe(true);
    }
    const from3 = layout.offsets[3] as number;
    expect(histogram.subarray(from3)).toEqual(reference.subarray(from3));
  });

  it('gives the sibling histogram as the parent minus the smaller child', () => {
    const { memory, layout } = setUp();
    const growth = open(memory, layout, 2);
    const [parent, child] = memory.histograms as [Float64Array, Float64Array];
    growth.buildHistogram(parent, allFeatures, 0, rowCount, true);
    growth.buildHistogram(child, allFeatures, 0, 20_000, true);
    subtractHistogram(parent, child, layout, allFeatures);
    const sibling = referenceHistogram(memory, layout, 20_000, rowCount);
    parent.forEach((value, i) => {
      if (i % 3 === 2) expect(value).toBe(sibling[i]);
      else expect(value).toBeCloseTo(sibling[i] as number, 9);
    });
  });

  it.each([1, 2])('partitions rows and their gradients stably with %i thread(s)', (threads) => {
    const { memory, layout } = setUp();
    const goesLeft = Uint8Array.from({ length: 17 }, (_, bin) => (bin % 3 === 0 ? 1 : 0));
    const column = memory.bins[2] as Uint8Array;
    const before = Array.from(memory.rows.subarray(500, 69_000));
    const gradOf = new Map(before.map((r, i) => [r, memory.orderedGrad[500 + i] as number]));
    const middle = open(memory, layout, threads).partition(2, goesLeft, 500, 69_000);

    const isLeft = (r: number) => goesLeft[column[r] as number] === 1;
    const expected = [...before.filter(isLeft), ...before.filter((r) => !isLeft(r))];
    expect(middle).toBe(500 + before.filter(isLeft).length);
    expect(Array.from(memory.rows.subarray(500, 69_000))).toEqual(expected);
    expect(Array.from(memory.orderedGrad.subarray(500, 69_000))).toEqual(expected.map((r) => gradOf.get(r)));
    expect(memory.rows[0]).toBe(0);
    expect(memory.rows[69_000]).toBe(69_000);
  });
});
