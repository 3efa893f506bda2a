import { createOnnxPredictor } from '@tributary/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, ModelExecutionError } from './errors.js';
import { FEATURE_NAMES, syntheticFlights, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createOnnxWorkerPool, type OnnxWorkerPool } from './onnx-worker-pool.js';

const WIDTH = FEATURE_NAMES.length;

/** `rows` rows of synthetic flights, row-major float32. */
function packed(rows: number): Float32Array {
  const { matrix } = syntheticFlights(rows, 3);
  const values = new Float32Array(rows * WIDTH);
  matrix.columns.forEach((column, f) => column.forEach((v, r) => (values[r * WIDTH + f] = v)));
  return values;
}

describe('createOnnxWorkerPool()', { timeout: 60_000 }, () => {
  let models: TrainedModels;
  let pool: OnnxWorkerPool;

  beforeAll(async () => {
    models = trainFlightModels({ rounds: 10 });
    pool = createOnnxWorkerPool({ workers: 4 });
    await pool.load('gbdt', models.gbdt);
    await pool.load('lr', models.logisticRegression);
  });

  afterAll(() => pool.close());

  it('runs many batches of two models on four workers at once, each as ONNX Runtime on this thread scores it', async () => {
    const rows = 50;
    const reference = { gbdt: await createOnnxPredictor(models.gbdt), lr: await createOnnxPredictor(models.logisticRegression) };
    const runs = Array.from({ length: 24 }, (_, i) => {
      const key = i % 2 === 0 ? 'gbdt' : 'lr';
      const values = packed(rows);
      const copy = values.slice();
      return pool.run(key, values, rows).then(async (result) => ({ result, expected: await reference[key].predictProba({ values: copy, rowCount: rows }), values }));
    });
    for (const { result, expected, values } of await Promise.all(runs)) {
      expect([...result.probabilities]).toEqual([...expected]);
      expect(result.computeNs).toBeGreaterThan(0);
      expect(values.byteLength).toBe(0); // transferred to the worker, not copied
    }
    await reference.gbdt.close();
    await reference.lr.close();
  });

  it('answers rows of the wrong width with InvalidInputError, and the workers go on', async () => {
    await expect(pool.run('gbdt', new Float32Array(WIDTH * 2 - 1), 2)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(pool.run('nope', packed(1), 1)).rejects.toBeInstanceOf(ModelExecutionError);
    const after = await Promise.all(Array.from({ length: 8 }, () => pool.run('gbdt', packed(3), 3)));
    expect(after.every((r) => r.probabilities.length === 3)).toBe(true);
  });

  it("builds a version's explainer in one worker while the other takes the runs, and after the runs it had", async () => {
    // 100 rounds: building this model's explainer takes ~0.1 s, a run of one row well under 1 ms.
    const big = trainFlightModels({ rounds: 100 });
    const pair = createOnnxWorkerPool({ workers: 2 });
    try {
      await pair.load('big', big.gbdt);
      const finished: string[] = [];
      const run = (name: string) => pair.run('big', packed(1), 1).then(() => finished.push(name));
      // One run in each worker, then the explanation, then runs that would queue behind its build if ranked by queue alone.
      const before = [run('before 0'), run('before 1')];
      const explained = pair.explain('big', packed(1), 1).then(() => finished.push('explanation'));
      const after = Array.from({ length: 4 }, (_, i) => run(`after ${i}`));
      await Promise.all([...before, explained, ...after]);
      expect(finished).toHaveLength(7);
      expect(finished.at(-1)).toBe('explanation');
    } finally {
      await pair.close();
    }
  });

  it('releases a model in every worker', async () => {
    await pool.unload('lr');
    await expect(pool.run('lr', packed(1), 1)).rejects.toThrow(/not loaded/);
  });
});
