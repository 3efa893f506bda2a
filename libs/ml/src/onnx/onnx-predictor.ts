import ort from 'onnxruntime-node';
import { InvalidDatasetError, OnnxRuntimeError, UnsupportedModelOperationError } from '../errors.js';
import type { FeatureMatrix } from '../feature-matrix.js';
import { ONNX_INPUT, ONNX_PREDICTION_OUTPUT, ONNX_PROBABILITIES_OUTPUT } from './export-onnx.js';

/** Rows already packed as the model's input: row-major float32, `featureCount` values per row. */
export interface PackedRows {
  readonly values: Float32Array;
  readonly rowCount: number;
}

/** Options of {@link createOnnxPredictor}. */
export interface OnnxPredictorOptions {
  /** Threads ONNX Runtime may use inside one run. Default 1: callers parallelise across sessions or workers. */
  readonly intraOpNumThreads?: number;
}

/** An ONNX model exported by {@link exportOnnx}, loaded in ONNX Runtime. */
export interface OnnxPredictor {
  /** Features per row the model expects. */
  readonly featureCount: number;
  /** P(class 1) per row: column 1 of `probabilities`. */
  predictProba(rows: FeatureMatrix | PackedRows): Promise<Float64Array>;
  /** Regression models: the `prediction` output per row. */
  predictValues(rows: FeatureMatrix | PackedRows): Promise<Float64Array>;
  /** Releases the native session; safe to call twice. */
  close(): Promise<void>;
}

/** Packs a columnar matrix into the float32 row-major tensor layout of the ONNX input. */
export function packRows(matrix: FeatureMatrix): PackedRows {
  const featureCount = matrix.columns.length;
  const values = new Float32Array(matrix.rowCount * featureCount);
  matrix.columns.forEach((column, f) => {
    for (let r = 0; r < matrix.rowCount; r++) values[r * featureCount + f] = column[r] as number;
  });
  return { values, rowCount: matrix.rowCount };
}

/** Loads ONNX model bytes into an ONNX Runtime (CPU) session. */
export async function createOnnxPredictor(bytes: Uint8Array, options: OnnxPredictorOptions = {}): Promise<OnnxPredictor> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
    });
  } catch (error) {
    throw new OnnxRuntimeError(`ONNX Runtime could not load the model: ${(error as Error).message}`, error);
  }
  const inputMetadata = session.inputMetadata.find((m) => m.name === ONNX_INPUT);
  const featureDim = inputMetadata?.isTensor ? inputMetadata.shape[1] : undefined;
  if (typeof featureDim !== 'number') {
    await session.release();
    throw new OnnxRuntimeError(`the model has no float input "${ONNX_INPUT}" of shape [N, F]`, undefined);
  }
  const featureCount = featureDim;
  let closed = false;

  const run = async (rows: FeatureMatrix | PackedRows, output: string): Promise<{ data: Float32Array; width: number }> => {
    if (!session.outputNames.includes(output)) {
      throw new UnsupportedModelOperationError(`the model has no "${output}" output (outputs: ${session.outputNames.join(', ')})`);
    }
    const packed = 'columns' in rows ? packRows(rows) : rows;
    if (packed.values.length !== packed.rowCount * featureCount) {
      throw new InvalidDatasetError(`expected ${featureCount} features per row, got ${packed.values.length} values for ${packed.rowCount} rows`);
    }
    const input = new ort.Tensor('float32', packed.values, [packed.rowCount, featureCount]);
    try {
      const result = await session.run({ [ONNX_INPUT]: input }, [output]);
      const tensor = result[output] as ort.Tensor;
      return { data: tensor.data as Float32Array, width: Number(tensor.dims[1] ?? 1) };
    } catch (error) {
      throw new OnnxRuntimeError(`ONNX Runtime failed to run the model: ${(error as Error).message}`, error);
    }
  };

  return {
    featureCount,
    async predictProba(rows) {
      const { data, width } = await run(rows, ONNX_PROBABILITIES_OUTPUT);
      return Float64Array.from({ length: data.length / width }, (_, r) => data[r * width + 1] as number);
    },
    async predictValues(rows) {
      const { data } = await run(rows, ONNX_PREDICTION_OUTPUT);
      return Float64Array.from(data);
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
