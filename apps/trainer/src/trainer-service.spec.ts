import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { RequestTrainingRequestSchema, TrainingReason, type TrainingRequest } from '@tributary/contracts';
import { InvalidTrainingRequestError, timeWindowOf } from '@tributary/training';
import { describe, expect, it } from 'vitest';
import { createTrainerService } from './trainer-service.js';

const window = timeWindowOf({ startMs: Date.UTC(2001, 0, 1), endMs: Date.UTC(2001, 4, 1) });

function service() {
  const published: TrainingRequest[] = [];
  const handlers = createTrainerService({
    publish: async (request) => void published.push(request),
    now: () => Date.UTC(2024, 0, 1),
    newId: () => 'generated-id',
  });
  return { handlers, published };
}

describe('createTrainerService()', () => {
  it('queues a request with a generated id, the request time and reason MANUAL when they are missing', async () => {
    const { handlers, published } = service();
    const response = await handlers.requestTraining(create(RequestTrainingRequestSchema, { trainingRequest: { modelName: 'flight-delay', trainingWindow: window } }));
    expect(response).toEqual({ requestId: 'generated-id' });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ requestId: 'generated-id', modelName: 'flight-delay', reason: TrainingReason.MANUAL, requestedTime: timestampFromMs(Date.UTC(2024, 0, 1)) });
  });

  it('keeps the id a caller chose, so its retries stay one request', async () => {
    const { handlers, published } = service();
    await handlers.requestTraining(create(RequestTrainingRequestSchema, { trainingRequest: { requestId: 'mine', modelName: 'flight-delay', trainingWindow: window, reason: TrainingReason.DRIFT_DETECTED } }));
    expect(published[0]).toMatchObject({ requestId: 'mine', reason: TrainingReason.DRIFT_DETECTED });
  });

  it('refuses a malformed request without queueing it', async () => {
    const { handlers, published } = service();
    await expect(handlers.requestTraining(create(RequestTrainingRequestSchema, {}))).rejects.toThrow(InvalidTrainingRequestError);
    await expect(handlers.requestTraining(create(RequestTrainingRequestSchema, { trainingRequest: { modelName: 'flight-delay' } }))).rejects.toThrow(/training_window: is required/);
    expect(published).toHaveLength(0);
  });
});
