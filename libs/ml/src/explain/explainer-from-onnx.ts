import { ExplanationUnavailableError, ModelFormatError } from '../errors.js';
import { modelFromJson } from '../model-json.js';
import { ONNX_METADATA_KEYS } from '../onnx/export-onnx.js';
import { readOnnxMetadata } from '../onnx/read-onnx-metadata.js';
import { createExplainer } from './create-explainer.js';
import type { Explainer } from './explanation.js';

/**
 * The explainer of an exported ONNX model, from the model JSON that
 * {@link exportOnnx} stores in its `model_json` metadata prop. Throws
 * {@link ExplanationUnavailableError} when the file carries none (exported
 * before it did) or the model lacks covers, and {@link ModelFormatError}
 * when the bytes or the JSON are not a model.
 */
export function explainerFromOnnx(bytes: Uint8Array): Explainer {
  const stored = readOnnxMetadata(bytes).props[ONNX_METADATA_KEYS.modelJson];
  if (stored === undefined) throw new ExplanationUnavailableError('the ONNX model carries no model_json metadata (exported before explanations); retrain it to explain it');
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch (error) {
    throw new ModelFormatError('ONNX metadata model_json is not JSON', error);
  }
  return createExplainer(modelFromJson(json));
}
