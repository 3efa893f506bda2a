import { describe, expect, it } from 'vitest';
import { GbdtModel } from '../gbdt/gbdt-model.js';
import type { Tree } from '../gbdt/tree.js';
import { ExplanationUnavailableError, InvalidDatasetError, createTreeShap, explainerFromOnnx, exportOnnx, modelFromJson } from '../index.js';
import { loadShapFixture, packedRows, rowMatrix } from './shap-fixture.js';

const fixture = loadShapFixture();
const model = GbdtModel.fromJSON(fixture.gbdt.model);
const rows = packedRows(fixture);
const featureCount = fixture.featureNames.length;

/**
 * Shapley values by their definition, enumerating every coalition: the game
 * is `v(S) = E[f(x) | x_S]` of path-dependent TreeSHAP (a feature in S
 * follows the row, any other splits the expectation by cover).
 */
function shapleyByEnumeration(trees: readonly Tree[], row: Float32Array): Float64Array {
  const value = (inS: (f: number) => boolean): number => {
    let total = 0;
    for (const tree of trees) {
      const expect = (node: number): number => {
        if (node < 0) return tree.leafValue[~node] as number;
        const f = tree.splitFeature[node] as number;
        const left = tree.leftChild[node] as number;
        const right = tree.rightChild[node] as number;
        if (inS(f)) {
          const x = row[f] as number;
          const set = tree.categories[node];
          const goLeft = Number.isNaN(x) ? tree.defaultLeft[node] === 1 : set ? set.includes(x) : x <= (tree.threshold[node] as number);
          return expect(goLeft ? left : right);
        }
        const cover = (child: number) => (child < 0 ? (tree.leafCover as Float64Array)[~child] : (tree.nodeCover as Float64Array)[child]) as number;
        return (cover(left) * expect(left) + cover(right) * expect(right)) / (tree.nodeCover as Float64Array)[node]!;
      };
      total += tree.splitFeature.length === 0 ? (tree.leafValue[0] as number) : expect(0);
    }
    return total;
  };
  const n = row.length;
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const phi = new Float64Array(n);
  for (let mask = 0; mask < 1 << n; mask++) {
    const size = [...Array(n).keys()].filter((f) => mask & (1 << f)).length;
    const without = value((f) => (mask & (1 << f)) !== 0);
    for (let f = 0; f < n; f++) {
      if (mask & (1 << f)) continue;
      const weight = (factorial(size) * factorial(n - size - 1)) / factorial(n);
      phi[f]! += weight * (value((g) => g === f || (mask & (1 << g)) !== 0) - without);
    }
  }
  return phi;
}

describe('createTreeShap()', () => {
  it("matches shap's TreeExplainer on every row of the fixtures (≤ 1e-6), missing values and unseen categories included", () => {
    const explanation = createTreeShap(model).explain(rows);
    expect(fixture.rows.some((row) => row.includes(null))).toBe(true);
    let largest = 0;
    fixture.gbdt.shapValues.forEach((expected, r) => {
      expected.forEach((value, f) => {
        largest = Math.max(largest, Math.abs(value));
        expect(Math.abs((explanation.contributions[r * featureCount + f] as number) - value)).toBeLessThanOrEqual(1e-6);
      });
    });
    // The fixture would prove nothing if shap's values were all near zero.
    expect(largest).toBeGreaterThan(0.1);
  });

  it('gives the same values whether trees are tabulated whole, by leaf or integrated per row (tableBudget)', () => {
    const tabulated = createTreeShap(model).explain(rows);
    // 0: every leaf integrated per row. 20 000: two trees tabulated whole (2^11 outcomes × 4 entries each), some of the
    // others' leaves tabulated (at most 2^3 × 3 entries each), the rest integrated per row.
    for (const tableBudget of [0, 20_000]) {
      const explanation = createTreeShap(model, { tableBudget }).explain(rows);
      fixture.gbdt.shapValues.forEach((expected, r) =>
        expected.forEach((value, f) => expect(Math.abs((explanation.contributions[r * featureCount + f] as number) - value)).toBeLessThanOrEqual(1e-6)),
      );
      explanation.contributions.forEach((value, i) => expect(Math.abs(value - (tabulated.contributions[i] as number))).toBeLessThanOrEqual(1e-12));
      expect(Array.from(explanation.margins)).toEqual(Array.from(tabulated.margins));
    }
  });

  it("carries nothing of one call into the next: rows explained in turn by one explainer get a fresh explainer's values", () => {
    const row = (r: number) => ({ values: rows.values.subarray(r * featureCount, (r + 1) * featureCount), rowCount: 1 });
    for (const options of [{ tableBudget: 0 }, { tableBudget: 20_000 }, {}]) {
      const fresh = (r: number) => createTreeShap(model, options).explain(row(r));
      const expected = [fresh(0), fresh(1)];
      const reused = createTreeShap(model, options);
      for (const r of [0, 1, 1, 0, 1, 0, 0]) {
        const explanation = reused.explain(row(r));
        expect(Array.from(explanation.contributions)).toEqual(Array.from((expected[r] as typeof explanation).contributions));
        expect(Array.from(explanation.margins)).toEqual(Array.from((expected[r] as typeof explanation).margins));
      }
    }
  });

  it("starts from shap's expected value, the cover-weighted mean margin", () => {
    expect(Math.abs(createTreeShap(model).baseValue - fixture.gbdt.expectedValue)).toBeLessThanOrEqual(1e-6);
  });

  it("sums to the model's margin on every row (≤ 1e-6)", () => {
    const explanation = createTreeShap(model).explain(rows);
    const margins = model.predictRaw(rowMatrix(fixture, model.categorical));
    margins.forEach((margin, r) => {
      let sum = explanation.baseValue;
      for (let f = 0; f < featureCount; f++) sum += explanation.contributions[r * featureCount + f] as number;
      expect(Math.abs(sum - margin)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((explanation.margins[r] as number) - margin)).toBeLessThanOrEqual(1e-9);
    });
  });

  it('gives the Shapley values of the path-dependent game, by enumeration of every coalition', () => {
    const explanation = createTreeShap(model).explain(rows);
    for (let r = 0; r < 12; r++) {
      const row = rows.values.subarray(r * featureCount, (r + 1) * featureCount);
      const phi = shapleyByEnumeration(model.trees, row);
      phi.forEach((value, f) => expect(Math.abs((explanation.contributions[r * featureCount + f] as number) - value)).toBeLessThanOrEqual(1e-9));
    }
  });

  it('explains the model stored in an exported ONNX file the same way', () => {
    const onnx = exportOnnx(model, { modelName: 'flight-delay', modelVersion: '1', trainingWindow: { start: '2001-01-01', end: '2001-02-01' } });
    const fromOnnx = explainerFromOnnx(onnx).explain(rows);
    expect(Array.from(fromOnnx.contributions)).toEqual(Array.from(createTreeShap(model).explain(rows).contributions));
  });

  it('refuses a model trained before covers were kept', () => {
    const { trees, ...rest } = fixture.gbdt.model;
    const old = modelFromJson({ ...rest, trees: trees.map(({ nodeCover: _n, leafCover: _l, ...tree }) => tree) }) as GbdtModel;
    expect(() => createTreeShap(old)).toThrow(ExplanationUnavailableError);
  });

  it('refuses rows of the wrong width', () => {
    expect(() => createTreeShap(model).explain({ values: new Float32Array(featureCount + 1), rowCount: 1 })).toThrow(InvalidDatasetError);
  });
});
