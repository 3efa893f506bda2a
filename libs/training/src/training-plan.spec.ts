import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TrainingRequestSchema, type TrainingRequest } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PARAMS, InvalidTrainingRequestError, planTraining, timeWindowOf } from './index.js';

const day = (d: number) => Date.UTC(2001, 0, 1) + d * 86_400_000;
const window = (from: number, to: number) => timeWindowOf({ startMs: day(from), endMs: day(to) });

function request(fields: MessageInitShape<typeof TrainingRequestSchema> = {}): TrainingRequest {
  return create(TrainingRequestSchema, { requestId: 'r1', modelName: 'flight-delay', trainingWindow: window(0, 100), ...fields });
}

describe('planTraining()', () => {
  it('keeps given windows as they are', () => {
    const plan = planTraining(request({ validationWindow: window(100, 110), holdoutWindow: window(110, 120) }));
    expect(plan.train).toEqual({ startMs: day(0), endMs: day(100) });
    expect(plan.validation).toEqual({ startMs: day(100), endMs: day(110) });
    expect(plan.holdout).toEqual({ startMs: day(110), endMs: day(120) });
  });

  it('cuts missing windows from the tail of the training window, holdout last', () => {
    const plan = planTraining(request(), { holdoutShare: 0.2, validationShare: 0.1 });
    expect(plan.holdout).toEqual({ startMs: day(80), endMs: day(100) });
    expect(plan.validation).toEqual({ startMs: day(70), endMs: day(80) });
    expect(plan.train).toEqual({ startMs: day(0), endMs: day(70) });
  });

  it('cuts only the validation window when the holdout is given', () => {
    const plan = planTraining(request({ holdoutWindow: window(100, 110) }), { validationShare: 0.1 });
    expect(plan.validation).toEqual({ startMs: day(90), endMs: day(100) });
    expect(plan.train).toEqual({ startMs: day(0), endMs: day(90) });
  });

  it('refuses windows out of time order, since a model must be judged on later data', () => {
    expect(() => planTraining(request({ validationWindow: window(50, 110), holdoutWindow: window(110, 120) }))).toThrow(/validation_window.*must start/);
    expect(() => planTraining(request({ validationWindow: window(100, 110), holdoutWindow: window(105, 120) }))).toThrow(/holdout_window.*must start/);
    expect(() => planTraining(request({ validationWindow: window(100, 110) }))).toThrow(/holdout_window: is required/);
  });

  it('names the field of a malformed request', () => {
    const fieldOf = (r: TrainingRequest) => {
      try {
        planTraining(r);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidTrainingRequestError);
        return (error as InvalidTrainingRequestError).field;
      }
      return 'no error';
    };
    expect(fieldOf(request({ requestId: ' ' }))).toBe('request_id');
    expect(fieldOf(request({ modelName: 'Bad Name' }))).toBe('model_name');
    expect(fieldOf(create(TrainingRequestSchema, { requestId: 'r', modelName: 'm' }))).toBe('training_window');
    expect(fieldOf(request({ trainingWindow: window(5, 5) }))).toBe('training_window');
    expect(fieldOf(request({ trainingWindow: { startTime: window(0, 1).startTime } }))).toBe('training_window');
    expect(fieldOf(request({ params: { learning_rate: 'fast' } }))).toBe('params.learning_rate');
    expect(fieldOf(request({ params: { max_rounds: '10.5' } }))).toBe('params.max_rounds');
    expect(fieldOf(request({ params: { colour: 'blue' } }))).toBe('params.colour');
  });

  it('refuses a window end outside years 1–9999 as invalid instead of throwing while describing it (found by fuzzing)', () => {
    const farAway = { $typeName: 'google.protobuf.Timestamp' as const, seconds: -515_500_596_417_684_828n, nanos: 0 };
    const bad = request({ trainingWindow: { startTime: farAway, endTime: window(0, 1).endTime } });
    expect(() => planTraining(bad)).toThrow(InvalidTrainingRequestError);
    expect(() => planTraining(bad)).toThrow(/^training_window.start_time: -515500596417684828 s 0 ns is not a time of years 1–9999$/);
    const badNanos = request({ holdoutWindow: { startTime: window(0, 1).startTime, endTime: { ...farAway, seconds: 1n, nanos: -1 } } });
    expect(() => planTraining(badNanos)).toThrow(/^holdout_window.end_time: /);
  });

  it('applies parameter overrides over the defaults, each to its model', () => {
    const plan = planTraining(request({ params: { learning_rate: '0.05', max_rounds: '30', lr_l2: '0.01' } }));
    expect(plan.models.gbdt).toEqual({ ...DEFAULT_MODEL_PARAMS.gbdt, learningRate: 0.05, maxRounds: 30 });
    expect(plan.models.logisticRegression).toEqual({ ...DEFAULT_MODEL_PARAMS.logisticRegression, l2: 0.01 });
    expect(plan.params).toEqual({ learning_rate: '0.05', max_rounds: '30', lr_l2: '0.01' });
  });

  it("refuses parameters named like Object.prototype's members as unknown, not with a TypeError (found by fuzzing)", () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => planTraining(request({ params: { [name]: '1' } })), name).toThrow(InvalidTrainingRequestError);
      expect(() => planTraining(request({ params: { [name]: '1' } })), name).toThrow(`params.${name}: unknown parameter`);
    }
  });
});
