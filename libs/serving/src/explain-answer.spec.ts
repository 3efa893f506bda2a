import { getMetricsRegistry } from '@tributary/observability';
import type { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { explainAnswer } from './explain-answer.js';
import type { LoadedVersion } from './loaded-version.js';
import type { ExplainResult } from './onnx-worker-pool.js';

/** The part of a loaded version an explanation reads, with `explain` as the test says and no fallback model. */
function version(explain: () => Promise<ExplainResult>): LoadedVersion {
  return { modelName: 'm', version: 3, features: [{ name: 'a' }, { name: 'b' }], explain, fallback: undefined } as unknown as LoadedVersion;
}

const explained: ExplainResult = { method: 'tree_shap', baseValue: -1, contributions: Float64Array.of(0.25, -0.5), margins: Float64Array.of(-1.25), computeNs: 1 };

async function counted(outcome: string): Promise<number> {
  const values = (await getMetricsRegistry().getSingleMetric('tributary_serving_explanations_total')?.get())?.values ?? [];
  return values.filter((v) => v.labels['model'] === 'm' && v.labels['outcome'] === outcome).reduce((sum, v) => sum + v.value, 0);
}

async function explainTimes(): Promise<number> {
  const histogram = getMetricsRegistry().getSingleMetric('tributary_serving_explain_seconds') as Histogram | undefined;
  const values = (await histogram?.get())?.values ?? [];
  return values.find((v) => v.metricName === 'tributary_serving_explain_seconds_count' && v.labels['method'] === 'tree_shap')?.value ?? 0;
}

describe('explainAnswer()', () => {
  it("returns the tier's model's contributions, and counts and times them", async () => {
    const before = { explained: await counted('explained'), timed: await explainTimes() };
    const answer = await explainAnswer(version(async () => explained), 'primary', new Float32Array(2), Date.now() + 1_000);
    expect(answer).toEqual({ explanation: { method: 'tree_shap', baseValue: -1, featureNames: ['a', 'b'], contributions: explained.contributions, margin: -1.25 } });
    expect(await counted('explained')).toBe(before.explained + 1);
    expect(await explainTimes()).toBe(before.timed + 1);
  });

  it('says why there is none, and counts each reason: no model answered, the deadline, a failure', async () => {
    const before = { noModel: await counted('no_model'), deadline: await counted('deadline'), failed: await counted('failed') };
    const never = version(() => new Promise(() => undefined));
    expect(await explainAnswer(never, 'rules', new Float32Array(2), Date.now() + 1_000)).toEqual({ explanationUnavailable: "the rules tier answered; only a model's answer has per-feature contributions" });
    expect(await explainAnswer(never, 'fallback_model', new Float32Array(2), Date.now() + 1_000)).toEqual({ explanationUnavailable: "the fallback_model tier answered; only a model's answer has per-feature contributions" });
    expect(await explainAnswer(never, 'primary', new Float32Array(2), Date.now() + 20)).toEqual({ explanationUnavailable: 'm v3: the request deadline came before the explanation finished' });
    const broken = version(() => Promise.reject(new Error('no model_json')));
    expect(await explainAnswer(broken, 'primary', new Float32Array(2), Date.now() + 1_000)).toEqual({ explanationUnavailable: 'm v3: no model_json' });
    expect(await counted('no_model')).toBe(before.noModel + 2);
    expect(await counted('deadline')).toBe(before.deadline + 1);
    expect(await counted('failed')).toBe(before.failed + 1);
  });
});
