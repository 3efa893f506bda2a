import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PARAMS, buildFlightDataset, fitInWorker, splitByTime, type FitCandidatesInput, type StageReporter, type TrainingStage } from './index.js';
import { createEmptyFeatureSource, createInMemoryLabelSource, generateLabeledFlights } from './testing.js';

const day = (d: number) => Date.UTC(2001, 0, 1) + d * 86_400_000;
const windows = { train: { startMs: day(0), endMs: day(40) }, validation: { startMs: day(40), endMs: day(50) }, holdout: { startMs: day(50), endMs: day(60) } };

async function input(): Promise<FitCandidatesInput> {
  const flights = await createInMemoryLabelSource(generateLabeledFlights({ flights: 2400, range: { startMs: day(0), endMs: day(60) } })).loadLabels({ startMs: day(0), endMs: day(60) });
  const split = splitByTime(await buildFlightDataset(flights, createEmptyFeatureSource()), windows);
  return {
    requestId: 'in-worker',
    modelName: 'flight-delay',
    models: { ...DEFAULT_MODEL_PARAMS, gbdt: { ...DEFAULT_MODEL_PARAMS.gbdt, maxRounds: 20 } },
    train: split.train,
    validation: split.validation,
    holdout: split.holdout,
    trainWindow: windows.train,
    champion: { kind: 'none' },
    codeVersion: 'test-rev',
    featureDefinitionsHash: 'test-hash',
  };
}

function recordingReporter() {
  const ended: [TrainingStage, string][] = [];
  const reporter: StageReporter = { progress: () => undefined, stageEnded: (stage, outcome) => void ended.push([stage, outcome]) };
  return { reporter, ended };
}

describe('fitInWorker()', () => {
  it('moves the rows to the worker instead of copying them', async () => {
    const given = await input();
    const rowCount = given.train.labels.length;
    const fitting = fitInWorker(given, recordingReporter());
    // Transferred: the caller's arrays are empty from the moment the worker is started.
    expect(given.train.labels.byteLength).toBe(0);
    expect(given.holdout.matrix.columns.every((column) => column.byteLength === 0)).toBe(true);
    const fitted = await fitting;
    expect(fitted.primary.metrics['train_rows']).toBe(rowCount);
  });

  it('answers with exported, verified models, their profiles, and each stage it ran', async () => {
    const { reporter, ended } = recordingReporter();
    const fitted = await fitInWorker(await input(), { reporter });
    // One of each kind, the better on the holdout serving.
    expect([fitted.primary.model.kind, fitted.fallback.model.kind].sort()).toEqual(['gbdt', 'logistic-regression']);
    expect(fitted.primary.metrics['holdout_auc']).toBeGreaterThanOrEqual(fitted.fallback.metrics['holdout_auc'] ?? Number.NaN);
    for (const model of [fitted.primary, fitted.fallback]) {
      expect(model.artifact.byteLength).toBeGreaterThan(0);
      expect(model.metrics['onnx_parity_max_abs_diff']).toBeLessThanOrEqual(1e-5);
      expect(model.profile.prediction?.count).toBe(model.metrics['train_rows']);
    }
    expect(fitted.champion).toEqual({ kind: 'none' });
    expect(ended).toEqual(['training-primary', 'training-fallback', 'evaluating', 'exporting', 'profiling'].map((stage) => [stage, 'ok']));
  });
});
