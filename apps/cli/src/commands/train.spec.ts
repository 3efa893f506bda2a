import { InvalidTrainingRequestError, timeRangeOf } from '@tributary/training';
import { describe, expect, it } from 'vitest';
import { formatRunSummary, trainingRequestFromOptions, type TrainCommandOptions } from './train.js';

const options: TrainCommandOptions = {
  model: 'flight-delay',
  from: Date.UTC(2001, 0, 1),
  to: Date.UTC(2001, 4, 1),
  validationFrom: Date.UTC(2001, 4, 1),
  validationTo: Date.UTC(2001, 5, 1),
  holdoutFrom: Date.UTC(2001, 5, 1),
  holdoutTo: Date.UTC(2001, 6, 1),
  param: { learning_rate: '0.05' },
  local: false,
  timeout: 60,
  topic: 'training.requested',
  dlqTopic: 'events.dlq',
};

const { holdoutTo: _holdoutTo, ...withoutHoldoutEnd } = options;

describe('trainingRequestFromOptions()', () => {
  it('builds the request of the flights split with a fresh id', () => {
    const request = trainingRequestFromOptions(options, 'ada');
    expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request).toMatchObject({ modelName: 'flight-delay', requestedBy: 'ada', params: { learning_rate: '0.05' } });
    expect(timeRangeOf(request.holdoutWindow)).toEqual({ startMs: Date.UTC(2001, 5, 1), endMs: Date.UTC(2001, 6, 1) });
    expect(trainingRequestFromOptions({ ...options, requestId: 'again' }, 'ada').requestId).toBe('again');
  });

  it('says which input is wrong', () => {
    expect(() => trainingRequestFromOptions({ ...options, model: 'Flight Delay' }, 'ada')).toThrow(InvalidTrainingRequestError);
    expect(() => trainingRequestFromOptions(withoutHoldoutEnd, 'ada')).toThrow(/--holdout-from and --holdout-to go together/);
    expect(() => trainingRequestFromOptions({ ...options, from: options.to }, 'ada')).toThrow(/training_window: .* is empty/);
    expect(() => trainingRequestFromOptions({ ...options, param: { speed: '9' } }, 'ada')).toThrow(/params.speed: unknown parameter/);
  });
});

describe('formatRunSummary()', () => {
  it('lists both versions with their holdout metrics and what happened to the aliases', () => {
    const lines = formatRunSummary({
      outcome: 'registered',
      requestId: 'r1',
      modelName: 'flight-delay',
      primary: { role: 'primary', version: 4, modelType: 'gbdt', metrics: { holdout_auc: 0.7312, holdout_log_loss: 0.45, holdout_brier: 0.14 } },
      fallback: { role: 'fallback', version: 3, modelType: 'logistic_regression', metrics: { holdout_auc: 0.69 } },
      champion: { kind: 'none' },
      promotion: { challengerMoved: true, recommended: true, championMoved: false, reason: 'stays challenger until approved' },
    });
    expect(lines[0]).toBe('trained flight-delay for request r1');
    expect(lines[1]).toMatch(/primary\s+v4 gbdt\s+holdout AUC 0\.7312 {2}log loss 0\.4500 {2}Brier 0\.1400/);
    expect(lines[2]).toMatch(/fallback\s+v3 logistic_regression\s+holdout AUC 0\.6900 {2}log loss -/);
    expect(lines[3]).toBe('  aliases  challenger → new primary, champion unchanged: stays challenger until approved');
  });
});
