/**
 * Makes the fixtures the explanation specs of `@tributary/ml` are held to
 * (`npm run bench -- explain-fixtures`): trains a small GBDT and a logistic
 * regression with our own trainers on generated data that has what flights
 * have (numeric features, informative missing values, a categorical feature
 * with rare and unseen codes), asks the `shap` package (pinned, in the
 * benchmarks' venv; `tools/bench/python/explain_fixtures.py`) for their
 * Shapley values on rows that cover every branch kind, and writes models,
 * rows and shap's values to `libs/ml/src/explain/fixtures/shap-values.json`.
 * The specs read that file only: no Python at test time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeatureMatrix, trainGbdt, trainLogisticRegression, type FeatureMatrix } from '@tributary/ml';
import { createRandom } from '@tributary/seeded-random';
import { benchPython } from './bench-venv.js';

/** What the fixture script needs in the venv. */
export const SHAP_PACKAGES = ['shap==0.51.0', 'numpy==2.2.6'];
/** The script that asks shap, run from the workspace root. */
export const SHAP_SCRIPT = join('tools', 'bench', 'python', 'explain_fixtures.py');
const FIXTURE = join('libs', 'ml', 'src', 'explain', 'fixtures', 'shap-values.json');

const AIRPORTS = 30;

/** `rows` generated flights-like rows: the label's log-odds mix a line, a curve, a missing flag and a per-airport effect. */
function generate(rows: number, seed: number, unseenShare: number): { data: FeatureMatrix; labels: Float64Array } {
  const random = createRandom(seed);
  const airportEffect = Array.from({ length: AIRPORTS }, (_, code) => Math.sin(code * 2.7) * 1.5);
  const columns = Array.from({ length: 4 }, () => new Float64Array(rows));
  const [distance, hour, lateShare, airport] = columns as [Float64Array, Float64Array, Float64Array, Float64Array];
  const labels = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    distance[r] = 200 + random() * 2_000;
    hour[r] = Math.floor(random() * 24);
    lateShare[r] = random() < 0.15 ? Number.NaN : random() * 0.6;
    // Rare codes (the last ten) come seldom, so the regression lists only some of them.
    const code = random() < 0.9 ? Math.floor(random() * (AIRPORTS - 10)) : AIRPORTS - 10 + Math.floor(random() * 10);
    airport[r] = random() < 0.1 ? Number.NaN : random() < unseenShare ? AIRPORTS + code : code;
    const share = lateShare[r] as number;
    const logit =
      0.0006 * ((distance[r] as number) - 1_100) -
      ((hour[r] as number) - 18) ** 2 / 60 +
      (Number.isNaN(share) ? 0.8 : 3 * share - 0.9) +
      (Number.isNaN(airport[r] as number) || code >= AIRPORTS ? 0 : (airportEffect[code] as number));
    labels[r] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const data = createFeatureMatrix({
    featureNames: ['distance', 'hour', 'origin_late_share', 'origin_code'],
    columns,
    categoricalFeatures: ['origin_code'],
  });
  return { data, labels };
}

/** Row-major float32 values, NaN as null (JSON has no NaN). */
function jsonRows(matrix: FeatureMatrix): (number | null)[][] {
  return Array.from({ length: matrix.rowCount }, (_, r) =>
    matrix.columns.map((column) => {
      const x = Math.fround(column[r] as number);
      return Number.isNaN(x) ? null : x;
    }),
  );
}

export async function run(): Promise<void> {
  const train = generate(3_000, 11, 0);
  const explained = generate(60, 12, 0.15);
  // Bagging and feature sampling leave covers that differ from a plain count of the rows: the explanation must use the model's.
  const gbdt = trainGbdt(train.data, train.labels, { maxRounds: 25, maxLeaves: 12, learningRate: 0.2, rowSampleRate: 0.8, featureSampleRate: 0.75, minSamplesLeaf: 10, seed: 3 });
  const logisticRegression = trainLogisticRegression(train.data, train.labels, { maxCategoriesPerFeature: 24 });
  const python = benchPython(SHAP_PACKAGES);
  const dir = mkdtempSync(join(tmpdir(), 'explain-fixtures-'));
  try {
    const request = join(dir, 'request.json');
    const answer = join(dir, 'answer.json');
    const rows = jsonRows(explained.data);
    writeFileSync(request, JSON.stringify({ gbdt, logisticRegression, rows, trainingRows: jsonRows(train.data) }));
    execFileSync(python, [SHAP_SCRIPT, request, answer], { stdio: 'inherit' });
    const shap = JSON.parse(readFileSync(answer, 'utf8')) as Record<string, unknown>;
    const fixture = {
      description: `Shapley values computed by shap ${String(shap['shapVersion'])} (${SHAP_SCRIPT}) for Tributary models; made by npm run bench -- explain-fixtures`,
      featureNames: train.data.featureNames,
      rows,
      gbdt: { model: gbdt, ...(shap['gbdt'] as object) },
      logisticRegression: { model: logisticRegression, ...(shap['logisticRegression'] as object) },
    };
    writeFileSync(FIXTURE, JSON.stringify(fixture) + '\n');
    console.log(`${FIXTURE}: ${rows.length} rows, GBDT of ${gbdt.trees.length} trees, logistic regression of ${logisticRegression.coefficients.length} columns`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
