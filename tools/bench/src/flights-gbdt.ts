/**
 * The model the inference benchmark serves: a GBDT trained the trainer's way
 * on a slice of the real flights (1–22 January 2001: train to the 15th,
 * early-stop on the 15th–19th, hold out the 19th–22nd), from the
 * point-in-time training set over ClickHouse, with the trainer's tree
 * settings at learning rate 0.03 and up to 1 000 rounds (a model trained
 * on 7 December 2026 ran to the last round: 1 000 trees, holdout AUC
 * 0.761), exported to ONNX. Trained once and cached under
 * `.tributary/bench-inference` with holdout rows to send as requests
 * (`--retrain` trains it again); exported afresh from the cached model on
 * every run, so that a bench measures the exporter it is run with.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flightFeatureSet, createOfflineStore } from '@tributary/features';
import { localClickHouse } from '@tributary/infra/testing';
import { exportOnnx, modelFromJson, ONNX_METADATA_KEYS, packRows, readOnnxMetadata, selectRows, trainGbdt, type GbdtModel, type OnnxModelMetadata } from '@tributary/ml';
import { DEFAULT_MODEL_PARAMS, buildFlightDataset, createClickHouseLabelSource, evaluateModel, splitByTime } from '@tributary/training';
import { writeFlightFixtures } from '@tributary/training/testing';

/** Where the model and its request rows are kept between runs. */
export const BENCH_INFERENCE_DIR = join('.tributary', 'bench-inference');

const database = 'bench_inference';
const day = (d: number) => Date.UTC(2001, 0, d);
const windows = {
  train: { startMs: day(1), endMs: day(15) },
  validation: { startMs: day(15), endMs: day(19) },
  holdout: { startMs: day(19), endMs: day(22) },
};
/** The rows the model learnt from: departures of 1–14 January 2001. */
export const TRAINING_WINDOW = windows.train;
/** Holdout rows kept as request payloads. */
const sampleRows = 2_000;

/** The benchmarked model and real inputs for it. */
export interface FlightsGbdt {
  readonly onnxPath: string;
  readonly onnx: Uint8Array;
  readonly featureNames: readonly string[];
  readonly trees: number;
  readonly holdoutAuc: number;
  /** Holdout rows, row-major float32, `featureNames.length` per row (NaN where a feature was missing). */
  readonly rows: Float32Array;
  readonly rowCount: number;
}

interface ModelInfo {
  readonly featureNames: string[];
  readonly trees: number;
  readonly holdoutAuc: number;
  readonly rowCount: number;
}

/**
 * The cached model, or a new one trained (minutes: the slice's events and
 * features go into ClickHouse first) with `--retrain`, when none is cached or
 * when the cached one carries no model JSON (exported before files did).
 */
export async function flightsGbdt(): Promise<FlightsGbdt> {
  const onnxPath = join(BENCH_INFERENCE_DIR, 'flights-gbdt.onnx');
  const rowsPath = join(BENCH_INFERENCE_DIR, 'holdout-rows.f32');
  const infoPath = join(BENCH_INFERENCE_DIR, 'flights-gbdt.json');
  // The info file is written last: with it, the other two are complete.
  let metadata = existsSync(infoPath) && !process.argv.includes('--retrain') ? readOnnxMetadata(new Uint8Array(readFileSync(onnxPath))) : undefined;
  if (metadata?.props[ONNX_METADATA_KEYS.modelJson] === undefined) {
    mkdirSync(BENCH_INFERENCE_DIR, { recursive: true });
    const trained = await train();
    writeFileSync(onnxPath, trained.onnx);
    writeFileSync(rowsPath, new Uint8Array(trained.rows.buffer, trained.rows.byteOffset, trained.rows.byteLength));
    writeFileSync(infoPath, JSON.stringify(trained.info, null, 2));
    metadata = readOnnxMetadata(trained.onnx);
  }
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as ModelInfo;
  const bytes = readFileSync(rowsPath);
  const rows = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const onnx = reexported(metadata);
  writeFileSync(onnxPath, onnx);
  return { onnxPath, onnx, ...info, rows };
}

/** The cached model exported by the current exporter, with the metadata it was exported with. */
function reexported(metadata: OnnxModelMetadata): Uint8Array {
  return exportOnnx(modelFromJson(JSON.parse(metadata.props[ONNX_METADATA_KEYS.modelJson] as string)) as GbdtModel, {
    modelName: metadata.modelName,
    modelVersion: metadata.modelVersion,
    trainingWindow: metadata.trainingWindow,
    createdAt: new Date(metadata.createdAt),
  });
}

async function train(): Promise<{ onnx: Uint8Array; rows: Float32Array; info: ModelInfo }> {
  const client = localClickHouse({ requestTimeoutMs: 600_000 });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    console.log(`writing 1–22 January 2001 into ${database} (raw events and offline features)`);
    await writeFlightFixtures({ client, database, fromMs: windows.train.startMs, toMs: windows.holdout.endMs });
    const labels = await createClickHouseLabelSource({ client, database }).loadLabels({ startMs: windows.train.startMs, endMs: windows.holdout.endMs });
    const dataset = await buildFlightDataset(labels, createOfflineStore({ client, featureSet: flightFeatureSet, database }));
    const { train: fit, validation, holdout } = splitByTime(dataset, windows);
    console.log(`training the GBDT on ${fit.labels.length} rows (${validation.labels.length} for early stopping)`);
    const model = trainGbdt(fit.matrix, fit.labels, {
      ...DEFAULT_MODEL_PARAMS.gbdt,
      learningRate: 0.03,
      maxRounds: 1000,
      validation: { data: validation.matrix, labels: validation.labels },
    });
    const holdoutAuc = evaluateModel(holdout.labels, model.predictProba(holdout.matrix)).auc;
    console.log(`GBDT: ${model.trees.length} trees, holdout AUC ${holdoutAuc.toFixed(4)}`);
    const onnx = exportOnnx(model, {
      modelName: 'flight-delay',
      modelVersion: '1',
      trainingWindow: { start: new Date(windows.train.startMs).toISOString(), end: new Date(windows.train.endMs).toISOString() },
    });
    const step = Math.max(1, Math.floor(holdout.labels.length / sampleRows));
    const picked = Array.from({ length: Math.min(sampleRows, holdout.labels.length) }, (_, i) => i * step);
    const rows = packRows(selectRows(holdout.matrix, picked)).values;
    return { onnx, rows, info: { featureNames: [...fit.matrix.featureNames], trees: model.trees.length, holdoutAuc, rowCount: picked.length } };
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await client.close();
  }
}
