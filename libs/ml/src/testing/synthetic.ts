import { createFeatureMatrix, type FeatureMatrix } from '../feature-matrix.js';
import { createRandom } from '@tributary/seeded-random';

/** Options of {@link makeSyntheticDataset}. */
export interface SyntheticOptions {
  readonly rows: number;
  readonly seed: number;
  /** Distinct codes of the categorical feature `airport`. Default 60. */
  readonly categories?: number;
  /** Share of missing values in `delay` (informative: missing rows are more often positive) and `airport`. Default 0.1. */
  readonly missingRate?: number;
  /** Share of rows whose airport is a code never drawn for training (≥ `categories`). Default 0. */
  readonly unseenRate?: number;
  /** Seed of the per-category effects; keep it fixed so train and test share one world. Default 7. */
  readonly worldSeed?: number;
}

/**
 * A binary problem with what real data has: a linear effect, a curved one,
 * informative missing values, and a categorical feature whose effect is
 * unrelated to the order of its codes.
 */
export function makeSyntheticDataset(options: SyntheticOptions): { data: FeatureMatrix; labels: Float64Array } {
  const { rows, seed, categories = 60, missingRate = 0.1, unseenRate = 0, worldSeed = 7 } = options;
  const world = createRandom(worldSeed);
  const effect = Float64Array.from({ length: categories }, () => (world() - 0.5) * 4);
  const random = createRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const [distance, hour, delay, airport] = [0, 1, 2, 3].map(() => new Float64Array(rows)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const labels = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    distance[r] = gauss() * 300 + 800;
    hour[r] = Math.floor(random() * 24);
    delay[r] = random() < missingRate ? Number.NaN : gauss() * 10;
    const code = Math.floor(random() * categories);
    airport[r] = random() < missingRate ? Number.NaN : random() < unseenRate ? categories + code : code;
    const hourEffect = -((hour[r]! - 17) ** 2) / 40;
    const delayEffect = Number.isNaN(delay[r]!) ? 1.5 : 0.08 * delay[r]!;
    const airportEffect = code < categories && !Number.isNaN(airport[r]!) ? effect[code]! : 0;
    const logit = 0.002 * (distance[r]! - 800) + hourEffect + delayEffect + airportEffect;
    labels[r] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const data = createFeatureMatrix({
    featureNames: ['distance', 'hour', 'delay', 'airport'],
    columns: [distance, hour, delay, airport],
    categoricalFeatures: ['airport'],
  });
  return { data, labels };
}
