import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from '@tributary/contracts/onnx';
import { describe, expect, it } from 'vitest';
import {
  createOnnxPredictor,
  exportOnnx,
  ModelFormatError,
  readOnnxMetadata,
  OnnxParityError,
  OnnxRuntimeError,
  packRows,
  trainGbdt,
  trainLogisticRegression,
  verifyOnnxParity,
  UnsupportedModelOperationError,
  type OnnxExportOptions,
} from '../index.js';
import { loadBreastCancer } from '../testing/breast-cancer.js';
import { makeSyntheticDataset } from '../testing/synthetic.js';

const exportOptions: OnnxExportOptions = {
  modelName: 'flight-delay',
  modelVersion: '7',
  trainingWindow: { start: '2001-01-01T00:00:00Z', end: '2001-05-01T00:00:00Z' },
  createdAt: new Date('2026-01-02T03:04:05Z'),
};

// Holdout drawn from the same world, with missing values and airports never seen in training.
const train = makeSyntheticDataset({ rows: 4000, seed: 1 });
const holdout = makeSyntheticDataset({ rows: 2000, seed: 2, missingRate: 0.2, unseenRate: 0.15 });

describe('exportOnnx()', () => {
  it('gives the GBDT probabilities of the TypeScript model, missing values and unseen categories included', async () => {
    const model = trainGbdt(train.data, train.labels, { maxRounds: 60 });
    expect(model.trees.some((tree) => tree.categories.some((set) => set !== null))).toBe(true);
    const report = await verifyOnnxParity(model, exportOnnx(model, exportOptions), holdout.data);
    expect(report.rowCount).toBe(2000);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('keeps parity when rare categories share a bin', async () => {
    // 60 airports in 16 bins: 45 of them share the last bin, which splits never list.
    const model = trainGbdt(train.data, train.labels, { maxRounds: 30, maxBins: 16 });
    const report = await verifyOnnxParity(model, exportOnnx(model, exportOptions), holdout.data);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('tests categories as small block values ONNX Runtime folds into bitmasks, keeping parity across several blocks', async () => {
    const many = (seed: number, extra: object = {}) => makeSyntheticDataset({ rows: 4000, seed, categories: 300, worldSeed: 5, ...extra });
    const fit = many(1);
    const model = trainGbdt(fit.data, fit.labels, { maxRounds: 60 });
    const bytes = exportOnnx(model, exportOptions);
    const ensemble = fromBinary(ModelProtoSchema, bytes).graph?.node.find((n) => n.opType === 'TreeEnsembleClassifier');
    const attribute = (name: string) => ensemble?.attribute.find((a) => a.name === name);
    const modes = attribute('nodes_modes')?.strings.map((m) => new TextDecoder().decode(m)) ?? [];
    const values = attribute('nodes_values_as_tensor')?.t?.doubleData ?? [];
    const columns = attribute('nodes_featureids')?.ints.map(Number) ?? [];
    const equalities = modes.flatMap((mode, i) => (mode === 'BRANCH_EQ' ? [{ value: values[i] as number, column: columns[i] as number }] : []));
    expect(equalities.length).toBeGreaterThan(0);
    expect(equalities.every(({ value }) => Number.isInteger(value) && value >= 1 && value <= 64)).toBe(true);
    // Block columns follow the 4 features; more than 64 listed airports need more than one.
    expect(new Set(equalities.map(({ column }) => column)).size).toBeGreaterThan(1);
    expect(equalities.every(({ column }) => column >= 4)).toBe(true);
    const rows = many(2, { rows: 2000, missingRate: 0.2, unseenRate: 0.15 }).data;
    // Infinite codes are no code a split lists, not missing values: they go right, as in TypeScript.
    const airports = rows.columns[3] as Float64Array;
    for (let r = 0; r < 40; r++) airports[r] = r % 2 === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const report = await verifyOnnxParity(model, bytes, rows);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('gives the logistic regression probabilities of the TypeScript model', async () => {
    const model = trainLogisticRegression(train.data, train.labels);
    const report = await verifyOnnxParity(model, exportOnnx(model, exportOptions), holdout.data);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('keeps parity on the breast cancer set for both model types', async () => {
    const { data, labels } = loadBreastCancer();
    for (const model of [trainGbdt(data, labels), trainLogisticRegression(data, labels)]) {
      const report = await verifyOnnxParity(model, exportOnnx(model, exportOptions), data);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    }
  });

  it('exports a regression GBDT as a TreeEnsembleRegressor with the same predictions', async () => {
    const targets = Float64Array.from(train.data.columns[0] as Float64Array, (d, r) => d / 100 + ((train.data.columns[1] as Float64Array)[r] as number));
    const model = trainGbdt(train.data, targets, { objective: 'regression', maxRounds: 30 });
    const report = await verifyOnnxParity(model, exportOnnx(model, exportOptions), holdout.data);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });

  it('writes name, version, features, training window and creation time as metadata, and no ZipMap', () => {
    const model = trainLogisticRegression(train.data, train.labels);
    const bytes = exportOnnx(model, { ...exportOptions, extraMetadata: { code_version: 'abc123', model_name: 'ignored' } });
    expect(readOnnxMetadata(bytes)).toMatchObject({
      modelName: 'flight-delay',
      modelVersion: '7',
      modelKind: 'logistic-regression',
      createdAt: '2026-01-02T03:04:05.000Z',
      trainingWindow: exportOptions.trainingWindow,
      features: [
        { name: 'distance', categorical: false },
        { name: 'hour', categorical: false },
        { name: 'delay', categorical: false },
        { name: 'airport', categorical: true },
      ],
      props: { code_version: 'abc123' },
    });
    const onnx = fromBinary(ModelProtoSchema, bytes);
    expect(onnx.graph?.input[0]?.docString).toContain('3: airport (category code)');
    expect(onnx.graph?.output.map((o) => o.name)).toEqual(['label', 'probabilities']);
    expect(onnx.graph?.node.map((n) => n.opType)).not.toContain('ZipMap');
  });

  it('reading metadata rejects bytes that are not an exported model', () => {
    expect(() => readOnnxMetadata(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(ModelFormatError);
  });
});

describe('createOnnxPredictor()', () => {
  it('runs packed row-major input like a feature matrix, and closes twice without error', async () => {
    const model = trainGbdt(train.data, train.labels, { maxRounds: 20 });
    const predictor = await createOnnxPredictor(exportOnnx(model, exportOptions));
    expect(predictor.featureCount).toBe(4);
    const fromMatrix = await predictor.predictProba(holdout.data);
    expect(await predictor.predictProba(packRows(holdout.data))).toEqual(fromMatrix);
    await expect(predictor.predictValues(holdout.data)).rejects.toBeInstanceOf(UnsupportedModelOperationError);
    await predictor.close();
    await predictor.close();
  });

  it('rejects bytes that are not an ONNX model', async () => {
    await expect(createOnnxPredictor(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(OnnxRuntimeError);
  });
});

describe('verifyOnnxParity()', () => {
  it('fails when the ONNX file is not the model it is compared with', async () => {
    const model = trainGbdt(train.data, train.labels, { maxRounds: 20 });
    const other = trainGbdt(train.data, train.labels, { maxRounds: 5 });
    await expect(verifyOnnxParity(model, exportOnnx(other, exportOptions), holdout.data)).rejects.toBeInstanceOf(OnnxParityError);
  });
});
