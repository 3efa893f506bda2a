/**
 * @tributary/ml — the models Tributary trains, written here on typed arrays:
 * histogram gradient-boosted trees and L2 logistic regression over a columnar
 * {@link FeatureMatrix}, the metrics the trainer evaluates them with, and their
 * export to ONNX with a check that ONNX Runtime reproduces them.
 */
export {
  ExplanationUnavailableError,
  FeatureMismatchError,
  InvalidDatasetError,
  InvalidOptionsError,
  ModelFormatError,
  OnnxParityError,
  OnnxRuntimeError,
  TrainingWorkerError,
  UnsupportedModelOperationError,
} from './errors.js';
export { createExplainer, createLinearShap, createTreeShap, explainerFromOnnx, type Explainer, type Explanation, type TreeShapOptions } from './explain/index.js';
export { createFeatureMatrix, selectRows, MAX_CATEGORY_CODE, type FeatureMatrix, type FeatureMatrixOptions } from './feature-matrix.js';
export type { BinaryClassifier, FeatureImportance } from './model.js';
export { modelFromJson, type ModelJson } from './model-json.js';
export { GbdtModel, type GbdtModelJson, type GbdtModelParts } from './gbdt/gbdt-model.js';
export type { GbdtObjective } from './gbdt/objective.js';
export type { TreeJson } from './gbdt/tree.js';
export { trainGbdt, type BoostingProgress, type GbdtOptions, type ValidationSet } from './gbdt/train-gbdt.js';
export {
  LogisticRegressionModel,
  type LogisticRegressionModelJson,
  type LogisticRegressionModelParts,
} from './linear/logistic-regression-model.js';
export { trainLogisticRegression, type LogisticRegressionOptions } from './linear/train-logistic-regression.js';
export type { CategoricalEncoding, LinearEncoding, NumericEncoding } from './linear/linear-encoding.js';
export {
  binaryClassificationMetrics,
  type BinaryClassificationMetrics,
  type BinaryClassificationMetricsOptions,
} from './metrics/binary-classification-metrics.js';
export { brierScore } from './metrics/brier-score.js';
export { calibrationTable, type CalibrationBin, type CalibrationTableOptions } from './metrics/calibration-table.js';
export { confusionMatrix, type ConfusionMatrix, type ConfusionMatrixOptions } from './metrics/confusion-matrix.js';
export { logLoss } from './metrics/log-loss.js';
export { rocAuc } from './metrics/roc-auc.js';
export {
  exportOnnx,
  ONNX_INPUT,
  ONNX_LABEL_OUTPUT,
  ONNX_METADATA_KEYS,
  ONNX_PREDICTION_OUTPUT,
  ONNX_PROBABILITIES_OUTPUT,
  type OnnxExportOptions,
} from './onnx/export-onnx.js';
export { createOnnxPredictor, packRows, type OnnxPredictor, type OnnxPredictorOptions, type PackedRows } from './onnx/onnx-predictor.js';
export { readOnnxMetadata, type OnnxModelMetadata } from './onnx/read-onnx-metadata.js';
export { verifyOnnxParity, type OnnxParityOptions, type OnnxParityReport } from './onnx/verify-onnx-parity.js';
