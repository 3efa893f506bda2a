/** Which tier of the fallback chain answered. */
export type ServingTier = 'primary' | 'fallback_model' | 'rules' | 'default';

/** Every tier, best first: the order the chain tries them. */
export const SERVING_TIERS: readonly ServingTier[] = ['primary', 'fallback_model', 'rules', 'default'];

/**
 * Why a model answered as it did, in margin (log-odds) space:
 * `baseValue + Σ contributions = margin`, and the answer's probability is
 * σ(margin) (to the float32 precision of the ONNX output).
 */
export interface ServedExplanation {
  /** `tree_shap` (exact path-dependent TreeSHAP, GBDT) or `linear` (logistic regression). */
  readonly method: 'tree_shap' | 'linear';
  readonly baseValue: number;
  readonly featureNames: readonly string[];
  /** One per feature, in `featureNames` order. */
  readonly contributions: Float64Array;
  readonly margin: number;
}

/** The pipeline's answer to one {@link ServingRequest}. */
export interface ServingAnswer {
  /** P(late arrival), in [0, 1]. */
  readonly probability: number;
  /** 1 when `probability` ≥ the model's threshold. */
  readonly prediction: 0 | 1;
  readonly modelName: string;
  /** The version that answered: the primary's or its fallback model's; 0 for the rules and the default. */
  readonly modelVersion: number;
  /** The alias the request was routed through, e.g. `champion`; `version:<n>` when it named a version. */
  readonly alias: string;
  readonly tier: ServingTier;
  /** Features that had no value (request or online) and took the model's declared default. */
  readonly defaultedFeatures: readonly string[];
  /** Whether the answer came from the prediction cache. */
  readonly cached: boolean;
  /** Time spent in the pipeline for this request, in ms. */
  readonly latencyMs: number;
  /** The answer's contributions, when the request asked and the model of the answering tier could explain it. */
  readonly explanation?: ServedExplanation;
  /** Why a request that asked for an explanation has none (the rules or the default answered, a model that cannot be explained…). */
  readonly explanationUnavailable?: string;
}
