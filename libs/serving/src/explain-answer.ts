import type { LoadedVersion } from './loaded-version.js';
import type { ServedExplanation, ServingTier } from './serving-answer.js';
import { servingMetrics } from './serving-metrics.js';

/** An explanation, or why there is none. */
export type ExplainedAnswer = { readonly explanation: ServedExplanation } | { readonly explanationUnavailable: string };

/**
 * Explains what the answering tier computed for `row`: the primary's version
 * or its fallback model, in a worker thread. The rules and the default have
 * nothing to credit features with; a model that cannot be explained, a
 * failure or the request's deadline give a reason instead of failing an
 * answer that is already there. Each outcome is counted in metrics.
 */
export async function explainAnswer(version: LoadedVersion, tier: ServingTier, row: Float32Array, deadlineAtMs: number): Promise<ExplainedAnswer> {
  const metrics = servingMetrics();
  const model = tier === 'primary' ? version : tier === 'fallback_model' ? version.fallback : undefined;
  if (!model) {
    metrics.explanations.inc({ model: version.modelName, outcome: 'no_model' });
    return { explanationUnavailable: `the ${tier} tier answered; only a model's answer has per-feature contributions` };
  }
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error('the request deadline came before the explanation finished'));
    }, Math.max(0, deadlineAtMs - Date.now()));
  });
  const started = performance.now();
  try {
    const result = await Promise.race([model.explain(row), deadline]);
    metrics.explanations.inc({ model: model.modelName, outcome: 'explained' });
    metrics.explainSeconds.observe({ model: model.modelName, method: result.method }, (performance.now() - started) / 1000);
    return {
      explanation: {
        method: result.method,
        baseValue: result.baseValue,
        featureNames: model.features.map((f) => f.name),
        contributions: result.contributions,
        margin: result.margins[0] as number,
      },
    };
  } catch (error) {
    metrics.explanations.inc({ model: model.modelName, outcome: late ? 'deadline' : 'failed' });
    return { explanationUnavailable: `${model.modelName} v${model.version}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
