/**
 * Aggregations are plain data (so a feature set can be hashed) built from
 * invertible measures: counts and sums. A window slides by adding the bucket
 * that enters it and subtracting the one that leaves, in O(1), which is why
 * min/max (not invertible) are not offered.
 */

/** Number of events in the window. */
export interface CountAggregation {
  readonly kind: 'count';
}

/** Sum of a numeric event field over the window. */
export interface SumAggregation {
  readonly kind: 'sum';
  readonly field: string;
}

/** Mean of a numeric event field over the window; NaN when the window is empty. */
export interface MeanAggregation {
  readonly kind: 'mean';
  readonly field: string;
}

/** Share of events whose field is ≥ threshold; NaN when the window is empty. */
export interface ShareAtLeastAggregation {
  readonly kind: 'shareAtLeast';
  readonly field: string;
  readonly threshold: number;
}

/** What a windowed feature computes over the events in its window. */
export type Aggregation = CountAggregation | SumAggregation | MeanAggregation | ShareAtLeastAggregation;

/** A number kept per time bucket; every aggregation is a function of a few of them. */
export type Measure =
  | { readonly kind: 'count' }
  | { readonly kind: 'sum'; readonly field: string }
  | { readonly kind: 'countAtLeast'; readonly field: string; readonly threshold: number };

/** Counts the events in the window. */
export function count(): CountAggregation {
  return { kind: 'count' };
}

/** Sums `field` over the window. */
export function sum(field: string): SumAggregation {
  return { kind: 'sum', field };
}

/** Averages `field` over the window. */
export function mean(field: string): MeanAggregation {
  return { kind: 'mean', field };
}

/** The share of events in the window whose `field` is at least `threshold`. */
export function shareAtLeast(field: string, threshold: number): ShareAtLeastAggregation {
  return { kind: 'shareAtLeast', field, threshold };
}

const COUNT: Measure = { kind: 'count' };

/** The measures an aggregation is computed from. */
export function measuresOf(aggregation: Aggregation): readonly Measure[] {
  switch (aggregation.kind) {
    case 'count':
      return [COUNT];
    case 'sum':
      return [{ kind: 'sum', field: aggregation.field }];
    case 'mean':
      return [COUNT, { kind: 'sum', field: aggregation.field }];
    case 'shareAtLeast':
      return [COUNT, { kind: 'countAtLeast', field: aggregation.field, threshold: aggregation.threshold }];
  }
}

/** A stable identity of a measure, used to share it between features. */
export function measureKey(measure: Measure): string {
  switch (measure.kind) {
    case 'count':
      return 'count';
    case 'sum':
      return `sum:${measure.field}`;
    case 'countAtLeast':
      return `countAtLeast:${measure.field}:${measure.threshold}`;
  }
}

/** How much one event adds to a measure, given its (already validated) numeric field. */
export function contributionOf(measure: Measure, fields: Readonly<Record<string, unknown>>): number {
  switch (measure.kind) {
    case 'count':
      return 1;
    case 'sum':
      return fields[measure.field] as number;
    case 'countAtLeast':
      return (fields[measure.field] as number) >= measure.threshold ? 1 : 0;
  }
}

/**
 * Compiles an aggregation into a function of window totals, where
 * `indexOf(measure)` says at which position of the totals each measure sits.
 */
export function compileAggregation(
  aggregation: Aggregation,
  indexOf: (measure: Measure) => number,
): (totals: Float64Array) => number {
  const [first, second] = measuresOf(aggregation).map(indexOf) as [number, number | undefined];
  switch (aggregation.kind) {
    case 'count':
    case 'sum':
      return (totals) => totals[first] as number;
    case 'mean':
    case 'shareAtLeast': {
      const numerator = second as number;
      return (totals) => {
        const n = totals[first] as number;
        return n > 0 ? (totals[numerator] as number) / n : Number.NaN;
      };
    }
  }
}
