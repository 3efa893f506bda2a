/** Seeded rows of a served model — features, predicted probabilities, outcomes — for the monitor's specs. */
import { createRandom } from '@tributary/seeded-random';
import { buildReferenceProfile } from '../build-reference-profile.js';
import type { WindowRows } from '../evaluate-window.js';

/** The features of {@link scoredRows}: two numeric, one categorical (codes 1–4). */
export const SCORED_FEATURES = ['delay_mean', 'distance', 'origin_code'] as const;

/** Options of {@link scoredRows}. */
export interface ScoredRowsOptions {
  readonly count: number;
  readonly seed: number;
  /** Added to `delay_mean`, in its standard deviations (10 min). Default 0. */
  readonly delayShift?: number;
  /** Added to the true probability of a positive outcome, not to the prediction: the model stops being calibrated. Default 0. */
  readonly outcomeShift?: number;
}

/** Rows as columns; the probability is what a calibrated model says, the outcome is drawn from it (plus `outcomeShift`). */
export interface ScoredRows extends WindowRows {
  readonly features: Readonly<Record<(typeof SCORED_FEATURES)[number], Float64Array>>;
}

/** Deterministic rows for a seed. */
export function scoredRows(options: ScoredRowsOptions): ScoredRows {
  const { count, seed, delayShift = 0, outcomeShift = 0 } = options;
  const random = createRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const features = { delay_mean: new Float64Array(count), distance: new Float64Array(count), origin_code: new Float64Array(count) };
  const probabilities = new Float64Array(count);
  const outcomes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const delay = 10 + 10 * (normal() + delayShift);
    const distance = 800 + 300 * normal();
    const origin = 1 + Math.floor(random() * 4);
    const p = 1 / (1 + Math.exp(-(-1.6 + 0.04 * (delay - 10) + (origin === 1 ? 0.5 : 0))));
    features.delay_mean[i] = delay;
    features.distance[i] = distance;
    features.origin_code[i] = origin;
    probabilities[i] = p;
    outcomes[i] = random() < Math.min(1, p + outcomeShift) ? 1 : 0;
  }
  return { rowCount: count, probabilities, outcomes, features, column: (name) => features[name as keyof typeof features] ?? new Float64Array(count).fill(Number.NaN) };
}

/** The reference profile of rows like {@link scoredRows}' (with their predictions), as the trainer would register it. */
export function scoredRowsProfile(rows: ScoredRows) {
  return buildReferenceProfile(
    [
      { name: 'delay_mean', kind: 'numeric', values: rows.features.delay_mean },
      { name: 'distance', kind: 'numeric', values: rows.features.distance },
      { name: 'origin_code', kind: 'categorical', values: rows.features.origin_code },
    ],
    { predictions: rows.probabilities },
  );
}
