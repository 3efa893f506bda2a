import { GbdtModel } from '../gbdt/gbdt-model.js';
import type { LogisticRegressionModel } from '../linear/logistic-regression-model.js';
import type { Explainer } from './explanation.js';
import { createLinearShap } from './linear-shap.js';
import { createTreeShap } from './tree-shap.js';

/** The exact explainer of a model: TreeSHAP for a GBDT, linear Shapley values for a logistic regression. */
export function createExplainer(model: GbdtModel | LogisticRegressionModel): Explainer {
  return model instanceof GbdtModel ? createTreeShap(model) : createLinearShap(model);
}
