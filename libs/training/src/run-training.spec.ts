import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TrainingRequestSchema, type TrainingRequest } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createOnnxPredictor, createFeatureMatrix } from '@tributary/ml';
import { createLogger } from '@tributary/observability';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLIGHT_ATTRIBUTE_NAMES, flightAttributes, flightFeatureNames, flightFeatureSet, type FlightAtDeparture } from '@tributary/features';
import {
  TRAINER_TAGS,
  TRAINING_STAGES,
  TrainingStageError,
  TrainingWorkerCrashedError,
  runTraining,
  timeWindowOf,
  trainingMetrics,
  type TrainingProgress,
  type TrainingRunDependencies,
  type TrainingRunResult,
} from './index.js';
import {
  createEmptyFeatureSource,
  createInMemoryLabelSource,
  createInMemoryTrainerRegistry,
  generateLabeledFlights,
  type InMemoryTrainerRegistry,
} from './testing.js';

const day = (d: number) => Date.UTC(2001, 0, 1) + d * 86_400_000;
const flights = generateLabeledFlights({ flights: 2400, range: { startMs: day(0), endMs: day(60) } });
const MODEL = 'flight-delay';

function request(requestId: string, fields: MessageInitShape<typeof TrainingRequestSchema> = {}): TrainingRequest {
  return create(TrainingRequestSchema, {
    requestId,
    modelName: MODEL,
    requestedBy: 'spec',
    trainingWindow: timeWindowOf({ startMs: day(0), endMs: day(40) }),
    validationWindow: timeWindowOf({ startMs: day(40), endMs: day(50) }),
    holdoutWindow: timeWindowOf({ startMs: day(50), endMs: day(60) }),
    // Small and quick: the behaviour under test is the pipeline, not the booster.
    params: { max_rounds: '25', max_leaves: '15' },
    ...fields,
  });
}

/** Observations of `tributary_trainer_stage_seconds` per stage, with outcome `ok`. */
async function stagesObserved(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { metricName, labels, value } of (await trainingMetrics().stageSeconds.get()).values) {
    if (metricName?.endsWith('_count') && labels['outcome'] === 'ok') counts.set(String(labels['stage']), value);
  }
  return counts;
}

function dependencies(registry: InMemoryTrainerRegistry): TrainingRunDependencies {
  return { labels: createInMemoryLabelSource(flights), features: createEmptyFeatureSource(), registry, codeVersion: 'test-rev', logger: createLogger({ name: 'spec', level: 'silent' }) };
}

describe('runTraining()', () => {
  describe('a first run of a model', () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    const progress: TrainingProgress[] = [];
    let result: TrainingRunResult;
    let observedBefore: Map<string, number>;

    beforeAll(async () => {
      observedBefore = await stagesObserved();
      result = await runTraining(request('first'), dependencies(registry), { onProgress: (p) => progress.push(p) });
    });

    it('registers the fallback first and the primary naming it', () => {
      const [fallback, primary] = registry.versions(MODEL);
      expect(fallback?.modelType).toBe('logistic_regression');
      expect(fallback?.tags[TRAINER_TAGS.role]).toBe('fallback');
      expect(primary?.modelType).toBe('gbdt');
      expect(primary?.tags[TRAINER_TAGS.role]).toBe('primary');
      expect(primary?.tags[TRAINER_TAGS.fallbackVersion]).toBe(String(fallback?.version));
      expect(result).toMatchObject({ outcome: 'registered', primary: { version: 2 }, fallback: { version: 1 } });
    });

    it('records lineage, parameters and holdout metrics with each version', () => {
      for (const version of registry.versions(MODEL)) {
        expect(version.lineage).toMatchObject({
          featureDefinitionsHash: createEmptyFeatureSource().featureSet.version,
          codeVersion: 'test-rev',
          parentVersion: 0,
          trainingRequestId: 'first',
        });
        expect(version.lineage?.trainingRowCount).toBeGreaterThan(1000);
        expect(version.metrics['holdout_auc']).toBeGreaterThan(0.6);
        expect(version.metrics['holdout_brier']).toBeGreaterThan(0);
        expect(version.metrics['onnx_parity_max_abs_diff']).toBeLessThanOrEqual(1e-5);
        expect(version.featureNames).toEqual(flightFeatureNames(flightFeatureSet));
        expect(version.referenceProfile?.features.map((f) => f.featureName)).toEqual(version.featureNames);
        expect(version.referenceProfile?.prediction?.count).toBe(version.lineage?.trainingRowCount);
      }
      expect(registry.versions(MODEL)[1]?.params['maxRounds']).toBe('25');
      // Not asked for by a drift report: no tag.
      expect(registry.versions(MODEL)[1]?.tags[TRAINER_TAGS.driftReportId]).toBeUndefined();
    });

    it('registers ONNX artifacts that score new flights as a model should', async () => {
      const primary = registry.versions(MODEL)[1];
      const predictor = await createOnnxPredictor(registry.artifacts.get(primary?.artifactSha256 ?? '') as Uint8Array);
      try {
        // Late evening out of the generator's late-prone first airport versus an early morning hop; the store has no values.
        const names = primary?.featureNames ?? [];
        const row = (flight: FlightAtDeparture) => {
          const attributes = flightAttributes(flight);
          return [...new Array<number>(names.length - FLIGHT_ATTRIBUTE_NAMES.length).fill(Number.NaN), ...FLIGHT_ATTRIBUTE_NAMES.map((a) => attributes[a])];
        };
        const rows = [
          row({ departureTimeMs: day(70) + 21 * 3_600_000, origin: 'ORD', destination: 'LAX', distanceMiles: 2000 }),
          row({ departureTimeMs: day(70) + 6 * 3_600_000, origin: 'DEN', destination: 'PHX', distanceMiles: 300 }),
        ];
        const matrix = createFeatureMatrix({ featureNames: names, columns: names.map((_, f) => Float64Array.from(rows, (r) => r[f] as number)) });
        const [pLate, pEarly] = await predictor.predictProba(matrix);
        expect(pLate).toBeGreaterThan(pEarly as number);
      } finally {
        await predictor.close();
      }
    });

    it('makes the primary challenger and, with no champion yet, champion', () => {
      expect(registry.alias(MODEL, 'challenger')).toBe(2);
      expect(registry.alias(MODEL, 'champion')).toBe(2);
      expect(result.promotion).toMatchObject({ challengerMoved: true, championMoved: true, reason: 'no champion yet' });
    });

    it('reports progress through every stage up to the whole run', () => {
      const stages = [...new Set(progress.map((p) => p.stage))];
      expect(stages).toEqual(['loading-labels', 'building-training-set', 'training-primary', 'training-fallback', 'evaluating', 'exporting', 'profiling', 'registering', 'promoting']);
      const fractions = progress.map((p) => p.fraction);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(fractions.at(-1)).toBe(1);
      expect(progress.some((p) => p.detail === 'round 1/25')).toBe(true);
    });

    it('times every stage in the metrics, those of the training worker included', async () => {
      const observed = await stagesObserved();
      for (const stage of TRAINING_STAGES) expect(observed.get(stage), stage).toBe((observedBefore.get(stage) ?? 0) + 1);
    });

    it('trains nothing when the same request comes again', async () => {
      const again = await runTraining(request('first'), dependencies(registry));
      expect(again).toMatchObject({ outcome: 'duplicate', primary: { version: 2 }, fallback: { version: 1 } });
      expect(registry.versions(MODEL)).toHaveLength(2);
    });

    it('compares the next run with the champion on the same holdout and keeps a champion it does not beat', async () => {
      const next = await runTraining(request('second'), dependencies(registry));
      // Same data, same seed: the same model, so no AUC gain.
      expect(next.champion).toMatchObject({ kind: 'scored', version: 2 });
      expect(next.primary.metrics['champion_holdout_auc']).toBeCloseTo(next.primary.metrics['holdout_auc'] as number, 6);
      expect(next.promotion).toMatchObject({ challengerMoved: true, recommended: false, championMoved: false });
      expect(registry.alias(MODEL, 'champion')).toBe(2);
      expect(registry.alias(MODEL, 'challenger')).toBe(next.primary.version);
      expect(registry.versions(MODEL).find((v) => v.version === next.primary.version)?.lineage?.parentVersion).toBe(2);
    });
  });

  it('serves the logistic regression as primary, and promotes it, when it beats the GBDT on the holdout', async () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    // One two-leaf tree of a tenth's step ranks flights by a single split: the regression beside it ranks them better.
    const result = await runTraining(request('weak-trees', { params: { max_rounds: '1', max_leaves: '2' } }), dependencies(registry));
    const [fallback, primary] = registry.versions(MODEL);
    expect(fallback?.modelType).toBe('gbdt');
    expect(fallback?.tags[TRAINER_TAGS.role]).toBe('fallback');
    expect(primary?.modelType).toBe('logistic_regression');
    expect(primary?.tags[TRAINER_TAGS.fallbackVersion]).toBe(String(fallback?.version));
    expect(primary?.metrics['holdout_auc']).toBeGreaterThan(fallback?.metrics['holdout_auc'] as number);
    expect(primary?.tags[TRAINER_TAGS.primaryChoice]).toMatch(/^logistic_regression serves: holdout AUC 0\.\d{4} above gbdt's 0\.\d{4}$/);
    expect(result.promotion).toMatchObject({ recommended: true, championMoved: true });
    expect(registry.alias(MODEL, 'champion')).toBe(primary?.version);
  });

  it('records the drift report that caused the request on both versions', async () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    await runTraining(request('after-drift', { driftReportId: 'report-42', requestedBy: 'drift-monitor' }), dependencies(registry));
    for (const version of registry.versions(MODEL)) {
      expect(version.tags[TRAINER_TAGS.driftReportId]).toBe('report-42');
      expect(version.lineage?.trainingRequestId).toBe('after-drift');
    }
  });

  it('leaves a model that needs an approval at challenger, saying why', async () => {
    const registry = createInMemoryTrainerRegistry();
    const result = await runTraining(request('gated'), dependencies(registry));
    expect(registry.alias(MODEL, 'challenger')).toBe(result.primary.version);
    expect(registry.alias(MODEL, 'champion')).toBe(0);
    expect(result.promotion).toMatchObject({ recommended: true, championMoved: false });
    expect(result.promotion?.reason).toMatch(/stays challenger until approved/);
  });

  it('only recommends promotion in request mode', async () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    const result = await runTraining(request('asking'), { ...dependencies(registry), policy: { mode: 'request' } });
    expect(registry.alias(MODEL, 'champion')).toBe(0);
    expect(result.promotion?.reason).toMatch(/promotion requested, not performed/);
  });

  it('after dying between the two registrations, reuses the fallback on the retry instead of registering another', async () => {
    const registry = createInMemoryTrainerRegistry();
    registry.beforeRegister((upload) => {
      if (upload.tags?.[TRAINER_TAGS.role] === 'primary') throw new TributaryError(Code.Unavailable, 'registry went away');
    });
    const failed = runTraining(request('crash'), dependencies(registry));
    await expect(failed).rejects.toThrow(TrainingStageError);
    await expect(failed).rejects.toMatchObject({ stage: 'registering', retryable: true });
    expect(registry.versions(MODEL).map((v) => v.tags[TRAINER_TAGS.role])).toEqual(['fallback']);
    expect(registry.alias(MODEL, 'challenger')).toBe(0);

    registry.beforeRegister(undefined);
    const retried = await runTraining(request('crash'), dependencies(registry));
    expect(retried).toMatchObject({ outcome: 'registered', fallback: { version: 1 }, primary: { version: 2 } });
    expect(registry.versions(MODEL)).toHaveLength(2);
  });

  describe('a delivery that died after registering both versions, before moving the aliases', () => {
    /** Counts the alias moves that took effect and the label loads, the signs of a promotion and of a training. */
    function watched(registry: InMemoryTrainerRegistry) {
      const moves: string[] = [];
      let labelLoads = 0;
      const labels = createInMemoryLabelSource(flights);
      const deps: TrainingRunDependencies = {
        ...dependencies(registry),
        labels: { loadLabels: (range) => (labelLoads++, labels.loadLabels(range)) },
        registry: {
          ...registry,
          setAlias: async (move) => {
            await registry.setAlias(move);
            moves.push(`${move.alias}→v${move.version}`);
          },
        },
      };
      return { deps, moves, labelLoads: () => labelLoads };
    }
    const died = new Error('killed after registering');

    it('is finished by the redelivered request, which trains nothing and promotes exactly once', async () => {
      const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
      const { deps, moves, labelLoads } = watched(registry);
      await expect(runTraining(request('killed'), deps, { onRegistered: () => Promise.reject(died) })).rejects.toThrow(died);
      expect(registry.versions(MODEL).map((v) => v.tags[TRAINER_TAGS.role])).toEqual(['fallback', 'primary']);
      expect([registry.alias(MODEL, 'challenger'), registry.alias(MODEL, 'champion')]).toEqual([0, 0]);
      expect(labelLoads()).toBe(1);

      const redelivered = await runTraining(request('killed'), deps);
      expect(redelivered).toMatchObject({ outcome: 'duplicate', primary: { version: 2, modelType: 'gbdt' }, fallback: { version: 1, modelType: 'logistic_regression' } });
      expect(redelivered.champion).toEqual({ kind: 'none' });
      expect(redelivered.promotion).toMatchObject({ challengerMoved: true, championMoved: true, reason: 'no champion yet' });
      expect(labelLoads()).toBe(1);
      expect(registry.versions(MODEL)).toHaveLength(2);
      expect(moves).toEqual(['challenger→v2', 'champion→v2']);

      // Delivered once more (the second delivery died before its commit, say): nothing moves again.
      const again = await runTraining(request('killed'), deps);
      expect(again.promotion).toMatchObject({ challengerMoved: true, championMoved: true });
      expect(again.promotion.reason).toMatch(/already champion/);
      expect(moves).toEqual(['challenger→v2', 'champion→v2']);
      expect(registry.versions(MODEL)).toHaveLength(2);
    });

    it('decides on champion with the comparison the first delivery recorded', async () => {
      const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
      const first = await runTraining(request('champion-run'), dependencies(registry));
      const { deps, moves } = watched(registry);
      await expect(runTraining(request('killed-later'), deps, { onRegistered: () => Promise.reject(died) })).rejects.toThrow(died);
      const redelivered = await runTraining(request('killed-later'), deps);
      // Same data and seed as the champion: no gain, so challenger moves and champion stays, as the first delivery would have done.
      expect(redelivered.champion).toMatchObject({ kind: 'scored', version: first.primary.version });
      expect(redelivered.promotion).toMatchObject({ challengerMoved: true, recommended: false, championMoved: false });
      expect(moves).toEqual([`challenger→v${redelivered.primary.version}`]);
      expect(registry.alias(MODEL, 'champion')).toBe(first.primary.version);
    });

    it('is trained again when the fallback it names is lost, and only the new complete pair is promoted', async () => {
      const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
      await expect(runTraining(request('half'), dependencies(registry), { onRegistered: () => Promise.reject(died) })).rejects.toThrow(died);
      const [lostFallback] = registry.versions(MODEL);
      (registry.artifacts as Map<string, Uint8Array>).delete(lostFallback?.artifactSha256 ?? '');

      const redelivered = await runTraining(request('half'), dependencies(registry));
      expect(redelivered).toMatchObject({ outcome: 'registered', fallback: { version: 3 }, primary: { version: 4 } });
      expect(registry.versions(MODEL).find((v) => v.version === 4)?.tags[TRAINER_TAGS.fallbackVersion]).toBe('3');
      expect([registry.alias(MODEL, 'challenger'), registry.alias(MODEL, 'champion')]).toEqual([4, 4]);
      // Delivered again, the complete pair is found; the orphaned primary (v2) is never aliased.
      expect(await runTraining(request('half'), dependencies(registry))).toMatchObject({ outcome: 'duplicate', primary: { version: 4 }, fallback: { version: 3 } });
      expect(registry.versions(MODEL)).toHaveLength(4);
    });
  });

  it('fails before training, registering nothing, when a window holds too little data', async () => {
    const registry = createInMemoryTrainerRegistry();
    const tooEarly = request('empty', { holdoutWindow: timeWindowOf({ startMs: day(100), endMs: day(110) }) });
    await expect(runTraining(tooEarly, dependencies(registry))).rejects.toMatchObject({ stage: 'building-training-set', retryable: false });
    expect(registry.versions(MODEL)).toHaveLength(0);
  });

  it('stops at once, registering nothing, when cancelled while the models train', async () => {
    const registry = createInMemoryTrainerRegistry();
    const controller = new AbortController();
    const run = runTraining(request('cancelled', { params: { max_rounds: '100000', early_stopping_rounds: '100000' } }), dependencies(registry), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.detail === 'round 1/100000') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: Code.Cancelled, stage: 'training-primary' });
    expect(registry.versions(MODEL)).toHaveLength(0);
  });

  it('finishes registering and promoting when cancelled once registration began', async () => {
    const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    const controller = new AbortController();
    const result = await runTraining(request('cancelled-late'), dependencies(registry), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'registering') controller.abort();
      },
    });
    expect(result).toMatchObject({ outcome: 'registered', primary: { version: 2 }, fallback: { version: 1 } });
    expect(registry.alias(MODEL, 'champion')).toBe(2);
  });

  it('fails the stage with the error the training worker threw, its name and retryability kept', async () => {
    const registry = createInMemoryTrainerRegistry();
    const run = runTraining(request('bad-bins', { params: { max_bins: '1' } }), dependencies(registry));
    await expect(run).rejects.toThrow(/training failed at training-primary: .*maxBins/);
    await expect(run).rejects.toMatchObject({ stage: 'training-primary', retryable: false, cause: { name: 'InvalidOptionsError' } });
    expect(registry.versions(MODEL)).toHaveLength(0);
  });

  it('fails the run with the reason, not the process, when the training worker runs out of memory', async () => {
    const registry = createInMemoryTrainerRegistry();
    const run = runTraining(request('out-of-memory'), { ...dependencies(registry), worker: { resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } } });
    await expect(run).rejects.toThrow(/training failed at training-primary: training worker ran out of memory/);
    await expect(run).rejects.toMatchObject({ code: Code.ResourceExhausted, retryable: false, cause: expect.any(TrainingWorkerCrashedError) });
    expect(registry.versions(MODEL)).toHaveLength(0);
  });
});
