/**
 * Fuzzing of the trainer's gRPC edge: RequestTraining called in-process with
 * generated requests, and garbage bytes on the wire to a real server on
 * port 0. A request is either queued as sent (its id kept or generated) or
 * refused with INVALID_ARGUMENT naming the field, and nothing is queued then.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { RequestTrainingRequestSchema, TrainerService, type TrainingRequest } from '@tributary/contracts';
import { TributaryError } from '@tributary/errors';
import { assertEdgeHolds, createRawGrpcCaller, grpcWireEdge, hostileText } from '@tributary/fuzz';
import { createGrpcServer, methodPath } from '@tributary/grpc';
import { createLogger } from '@tributary/observability';
import { InvalidTrainingRequestError, MODEL_PARAM_NAMES, timeWindowOf } from '@tributary/training';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainerService } from './trainer-service.js';

const timestamp = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2002, 0, 1) }).map((ms) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 })),
  fc.record({ seconds: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), nanos: fc.integer() }),
);
const window = fc.option(fc.record({ startTime: fc.option(timestamp, { nil: undefined }), endTime: fc.option(timestamp, { nil: undefined }) }), { nil: undefined });
const plausibleWindow = fc.constant(timeWindowOf({ startMs: Date.UTC(2001, 0, 1), endMs: Date.UTC(2001, 4, 1) }));
const paramName = fc.oneof(fc.constantFrom(...MODEL_PARAM_NAMES), hostileText({ maxLength: 20 }));
const paramValue = fc.oneof(fc.constantFrom('0', '1', '-1', '0.05', '1e9', 'NaN', 'Infinity', '25', ''), hostileText({ maxLength: 20 }));

/** RequestTraining requests from plausible to absurd: any names, windows, parameters, reasons. */
const requestTraining = fc
  .record({
    requestId: fc.oneof(fc.constant(''), hostileText()),
    modelName: fc.oneof(fc.constantFrom('flight-delay', 'a', 'model-2'), hostileText()),
    requestedBy: hostileText(),
    reason: fc.integer({ min: -5, max: 10 }),
    reasonDetail: hostileText(),
    trainingWindow: fc.oneof(plausibleWindow, window),
    validationWindow: window,
    holdoutWindow: window,
    params: fc.dictionary(paramName, paramValue, { maxKeys: 4 }),
  })
  .map((fields) => create(RequestTrainingRequestSchema, { trainingRequest: fields }));

describe('trainer gRPC fuzzing', () => {
  it('queues each generated request as sent or refuses it with INVALID_ARGUMENT naming the field', () => {
    const published: TrainingRequest[] = [];
    const handlers = createTrainerService({ publish: async (request) => void published.push(request), now: () => Date.UTC(2024, 0, 1), newId: () => 'generated-id' });
    return assertEdgeHolds({
      name: 'trainer RequestTraining',
      input: requestTraining,
      async check(request) {
        published.length = 0;
        let answer: { requestId?: string } | undefined;
        try {
          answer = await handlers.requestTraining(request);
        } catch (error) {
          if (!(error instanceof InvalidTrainingRequestError)) throw error;
          expect(error.message.startsWith(`${error.field}: `)).toBe(true);
          expect(TributaryError.from(error).code).toBe(3);
          expect(published).toEqual([]);
          return;
        }
        const sent = request.trainingRequest as TrainingRequest;
        expect(published).toHaveLength(1);
        expect(answer.requestId).toBe(sent.requestId.trim() === '' ? 'generated-id' : sent.requestId);
        expect(published[0]).toMatchObject({ requestId: answer.requestId, modelName: sent.modelName, params: sent.params, trainingWindow: sent.trainingWindow });
      },
    });
  });

  describe('on the wire', () => {
    const server = createGrpcServer({ address: '127.0.0.1:0', logger: createLogger({ name: 'trainer-fuzz', level: 'silent' }) });
    let caller: ReturnType<typeof createRawGrpcCaller>;

    beforeAll(async () => {
      server.register(TrainerService, createTrainerService({ publish: async () => undefined }));
      caller = createRawGrpcCaller(`127.0.0.1:${await server.start()}`);
    });
    afterAll(async () => {
      caller?.close();
      await server.shutdown();
    });

    it('answers garbage bytes with a clear status and keeps serving', () =>
      assertEdgeHolds(
        grpcWireEdge({
          name: 'trainer grpc wire',
          caller,
          methods: [
            {
              path: methodPath(TrainerService.method.requestTraining),
              kind: 'unary',
              valid: toBinary(RequestTrainingRequestSchema, create(RequestTrainingRequestSchema, { trainingRequest: { modelName: 'flight-delay', trainingWindow: timeWindowOf({ startMs: Date.UTC(2001, 0, 1), endMs: Date.UTC(2001, 4, 1) }) } })),
            },
          ],
        }),
      ));
  });
});
