import { timestampMs } from '@bufbuild/protobuf/wkt';
import { randomUUID } from 'node:crypto';
import type { InferenceService, PredictRequest } from '@tributary/contracts';
import type { ServiceImpl } from '@tributary/grpc';
import { explanationFields } from '@tributary/serving';
import { InvalidInputError, toPredictResponse, type ServingPipeline, type ServingRequest } from '@tributary/serving';
import { grpcDeadlineAtMs } from './request-deadline.js';

/** Options of {@link createPredictServiceImpl}. */
export interface PredictServiceOptions {
  readonly pipeline: ServingPipeline;
  /** Deadline of a call that sets none, in ms. */
  readonly defaultDeadlineMs: number;
  /** Most requests one PredictBatch may carry. */
  readonly maxBatchRequests: number;
}

/**
 * `tributary.v1.InferenceService` over the serving pipeline. A call's gRPC
 * deadline is the requests' deadline (the default when it sets none); every
 * answer names its version, tier and alias. A PredictBatch item that fails
 * fails the call with the item's error, its index in the message.
 */
export function createPredictServiceImpl(options: PredictServiceOptions): ServiceImpl<typeof InferenceService> {
  const { pipeline } = options;
  return {
    async predict(request, context) {
      const serving = toServingRequest(request, grpcDeadlineAtMs(context, options.defaultDeadlineMs));
      const answer = await pipeline.predict(serving);
      return { ...toPredictResponse(answer, serving.requestId), ...explanationFields(answer) };
    },
    async predictBatch(request, context) {
      const started = performance.now();
      if (request.requests.length === 0) throw new InvalidInputError('requests is empty; send 1 or more requests');
      if (request.requests.length > options.maxBatchRequests) {
        throw new InvalidInputError(`${request.requests.length} requests in one batch; send at most ${options.maxBatchRequests}`);
      }
      const deadlineAtMs = grpcDeadlineAtMs(context, options.defaultDeadlineMs);
      const servings = request.requests.map((item, index) => withIndex(index, () => toServingRequest(item, deadlineAtMs)));
      const results = await pipeline.predictMany(servings);
      const responses = results.map((result, index) => {
        if (result instanceof Error) {
          return withIndex(index, () => {
            throw result;
          });
        }
        return { ...toPredictResponse(result, (servings[index] as ServingRequest).requestId), ...explanationFields(result) };
      });
      return { responses, latencyMs: performance.now() - started };
    },
  };
}

/** A PredictRequest as the pipeline's request; the flight's departure and the vector are checked here. */
export function toServingRequest(request: PredictRequest, deadlineAtMs: number): ServingRequest {
  if (request.modelName === '') throw new InvalidInputError('model_name is empty; name the model, e.g. "flight-delay"', request.requestId || undefined);
  const requestId = request.requestId || randomUUID();
  const flight = request.flight;
  if (flight && !flight.departureTime) throw new InvalidInputError('flight.departure_time is missing; send the scheduled departure', requestId);
  const vector = request.featureVector.length > 0 ? Float32Array.from(request.featureVector) : undefined;
  const entityKey = request.entityIds['route'] ?? Object.values(request.entityIds)[0];
  return {
    model: request.modelName,
    ...(request.alias ? { alias: request.alias } : {}),
    ...(flight?.departureTime
      ? {
          flight: {
            origin: flight.origin,
            destination: flight.destination,
            departureTimeMs: timestampMs(flight.departureTime),
            distanceMiles: flight.distanceMiles,
          },
        }
      : {}),
    ...(Object.keys(request.features).length > 0 ? { features: request.features } : {}),
    ...(Object.keys(request.categoricalFeatures).length > 0 ? { categorical: request.categoricalFeatures } : {}),
    ...(vector ? { vector } : {}),
    ...(entityKey ? { entityKey } : {}),
    ...(request.eventId ? { eventId: request.eventId } : {}),
    ...(request.explain ? { explain: true } : {}),
    requestId,
    deadlineAtMs,
  };
}

/** Runs `fn`; an InvalidInputError it throws (or returns) names the batch item. */
function withIndex<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`requests[${index}]: ${error.message}`, error.requestId);
    throw error;
  }
}
