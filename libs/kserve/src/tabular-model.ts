import { ONNX_INPUT, ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT } from '@tributary/ml';
import type { ServedModelStatus, ServedVersionStatus } from '@tributary/serving';

/**
 * What the KServe face needs to know of a served model: Tributary's models
 * are binary classifiers over one row of features, exported to ONNX by
 * `@tributary/ml`, so their tensors are always the same three.
 */
export interface TabularModel {
  readonly name: string;
  /** Versions the server answers with, newest first, e.g. ["7", "6"]. */
  readonly versions: readonly string[];
  /** Input columns in the order the model was trained on. */
  readonly featureNames: readonly string[];
}

/** The model's one input: float32 [rows, features], NaN meaning missing. */
export const FEATURES_INPUT = ONNX_INPUT;
/** Predicted class per row, int64 [rows]. */
export const LABEL_OUTPUT = ONNX_LABEL_OUTPUT;
/** [P(class 0), P(class 1)] per row, float32 [rows, 2]. */
export const PROBABILITIES_OUTPUT = ONNX_PROBABILITIES_OUTPUT;
/**
 * Per-row contributions to the margin (log-odds), FP64 [rows, features + 1]:
 * one column per feature in input order, then the base value (the bias
 * column of LightGBM's `pred_contrib` and XGBoost's `pred_contribs`), so each
 * row sums to the margin. Computed only when a request names it in `outputs`:
 * an exact explanation costs far more than the prediction.
 */
export const CONTRIBUTIONS_OUTPUT = 'contributions';
/** Every output, in the order they are answered when none is asked for. */
export const OUTPUT_NAMES: readonly string[] = [LABEL_OUTPUT, PROBABILITIES_OUTPUT];
/** Outputs answered only when asked for by name. */
export const ON_REQUEST_OUTPUT_NAMES: readonly string[] = [CONTRIBUTIONS_OUTPUT];
/** What a served ONNX model runs on, in KServe and Triton terms. */
export const PLATFORM = 'onnxruntime_onnx';

/**
 * A served model as KServe sees it at `version` ("" = the version `champion`
 * points at): its ready versions and the feature order of the one asked for.
 * Undefined when the model is not served or that version is not loaded and
 * ready — KServe's "not found" and "not ready".
 */
export function tabularModel(models: readonly ServedModelStatus[], name: string, version = ''): TabularModel | undefined {
  const model = models.find((m) => m.name === name);
  if (!model) return undefined;
  const ready = model.versions.filter((v) => v.ready && v.role === 'primary');
  const chosen: ServedVersionStatus | undefined =
    version === '' ? ready.find((v) => v.aliases.includes('champion')) : ready.find((v) => String(v.version) === version);
  if (!chosen) return undefined;
  return { name, versions: ready.map((v) => String(v.version)), featureNames: chosen.features.map((f) => f.name) };
}
