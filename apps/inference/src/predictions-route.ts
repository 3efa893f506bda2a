import { randomUUID } from 'node:crypto';
import { InvalidInputError, type ServingAnswer, type ServingPipeline, type ServingRequest } from '@tributary/serving';
import type { FastifyInstance } from 'fastify';
import { restDeadlineAtMs } from './request-deadline.js';

/** Options of {@link registerPredictionsRoute}. */
export interface PredictionsRouteOptions {
  readonly pipeline: ServingPipeline;
  /** Deadline of a request that sets none, in ms. */
  readonly defaultDeadlineMs: number;
}

/**
 * The seeds' REST shape: `POST /v1/predictions {model_id, features}` →
 * `{prediction, probability, model_version, latency_ms}`, plus the tier,
 * alias and defaulted features every Tributary answer says. Optional:
 * `alias`, `version`, `event_id`, `request_id`, `flight {origin,
 * destination, departure_time (ISO-8601), distance_miles}` and `explain:
 * true`, which adds `explanation {method, base_value, margin, contributions
 * {feature: log-odds}}` or, when the rules or the default answered,
 * `explanation_unavailable` with the reason.
 */
export function registerPredictionsRoute(fastify: FastifyInstance, options: PredictionsRouteOptions): void {
  fastify.post('/v1/predictions', async (request) => {
    const serving = toServingRequest(request.body, restDeadlineAtMs(options.defaultDeadlineMs, request.headers['request-timeout-ms']));
    const answer = await options.pipeline.predict(serving);
    return {
      prediction: answer.prediction,
      probability: answer.probability,
      model_version: String(answer.modelVersion),
      latency_ms: answer.latencyMs,
      tier: answer.tier,
      alias: answer.alias,
      defaulted_features: answer.defaultedFeatures,
      cached: answer.cached,
      request_id: serving.requestId,
      ...explanationBody(answer),
    };
  });
}

function explanationBody({ explanation, explanationUnavailable }: ServingAnswer): Record<string, unknown> {
  if (explanation) {
    const contributions = Object.fromEntries(explanation.featureNames.map((name, i) => [name, explanation.contributions[i] as number]));
    return { explanation: { method: explanation.method, base_value: explanation.baseValue, margin: explanation.margin, contributions } };
  }
  return explanationUnavailable === undefined ? {} : { explanation_unavailable: explanationUnavailable };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A `/v1/predictions` body as the pipeline's request: numbers in `features`
 * are numeric features, strings categorical ones (e.g. `"origin_code": "ORD"`).
 */
export function toServingRequest(body: unknown, deadlineAtMs: number): ServingRequest {
  if (!isObject(body)) throw new InvalidInputError('send a JSON object {"model_id": "...", "features": {...}}');
  const { model_id: model, features, alias, version, event_id: eventId, request_id: requestIdIn, flight, explain } = body;
  if (typeof model !== 'string' || model === '') throw new InvalidInputError('model_id is missing; name the model, e.g. "flight-delay"');
  if (features !== undefined && !isObject(features)) throw new InvalidInputError('features must be an object of feature name → number or string');
  if (alias !== undefined && typeof alias !== 'string') throw new InvalidInputError('alias must be a string');
  if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version) && version > 0)) throw new InvalidInputError('version must be a whole number ≥ 1');
  if (eventId !== undefined && typeof eventId !== 'string') throw new InvalidInputError('event_id must be a string');
  if (requestIdIn !== undefined && typeof requestIdIn !== 'string') throw new InvalidInputError('request_id must be a string');
  if (explain !== undefined && typeof explain !== 'boolean') throw new InvalidInputError('explain must be true or false');
  const numeric: Record<string, number> = {};
  const categorical: Record<string, string> = {};
  for (const [name, value] of Object.entries(features ?? {})) {
    if (typeof value === 'number') numeric[name] = value;
    else if (typeof value === 'string') categorical[name] = value;
    else throw new InvalidInputError(`feature "${name}" is ${JSON.stringify(value)}; send a number or a string`);
  }
  const requestId = requestIdIn || randomUUID();
  return {
    model,
    ...(alias ? { alias } : {}),
    ...(version === undefined ? {} : { version }),
    ...(flight === undefined ? {} : { flight: toFlight(flight) }),
    ...(Object.keys(numeric).length > 0 ? { features: numeric } : {}),
    ...(Object.keys(categorical).length > 0 ? { categorical } : {}),
    ...(eventId ? { eventId } : {}),
    ...(explain ? { explain } : {}),
    requestId,
    deadlineAtMs,
  };
}

function toFlight(flight: unknown): NonNullable<ServingRequest['flight']> {
  if (!isObject(flight)) throw new InvalidInputError('flight must be an object {origin, destination, departure_time, distance_miles}');
  const { origin, destination, departure_time: departure, distance_miles: distanceMiles } = flight;
  const departureTimeMs = typeof departure === 'string' ? Date.parse(departure) : Number.NaN;
  if (typeof origin !== 'string' || typeof destination !== 'string') throw new InvalidInputError('flight.origin and flight.destination must be airport codes');
  if (Number.isNaN(departureTimeMs)) throw new InvalidInputError('flight.departure_time must be an ISO-8601 time, e.g. "2001-03-01T08:30:00Z"');
  if (typeof distanceMiles !== 'number') throw new InvalidInputError('flight.distance_miles must be a number');
  return { origin, destination, departureTimeMs, distanceMiles };
}
