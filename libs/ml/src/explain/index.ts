/**
 * Exact explanations of this library's models, in margin (log-odds) space:
 * path-dependent TreeSHAP for gradient-boosted trees and linear Shapley
 * values for logistic regression, the values the `shap` Python package
 * computes for the same models (checked on committed fixtures).
 */
export { createExplainer } from './create-explainer.js';
export { explainerFromOnnx } from './explainer-from-onnx.js';
export type { Explainer, Explanation } from './explanation.js';
export { createLinearShap } from './linear-shap.js';
export { createTreeShap, type TreeShapOptions } from './tree-shap.js';
