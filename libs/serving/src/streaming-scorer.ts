import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { ScoredEventSchema, type Event, type ScoredEvent } from '@tributary/contracts';
import {
  createTransactionalConsumer,
  topics,
  type ConsumedRecord,
  type HandlerContext,
  type OutgoingRecord,
  type RecordDeadLetter,
  type TypedConsumer,
} from '@tributary/kafka';
import { createLogger, type Logger } from '@tributary/observability';
import { backoffDelayMs } from '@tributary/resilience';
import type { Kafka } from 'kafkajs';
import { DeadlineExceededError, InvalidInputError, OverloadedError, ScoringUnavailableError } from './errors.js';
import { toPredictResponse } from './predict-response.js';
import type { ServingAnswer } from './serving-answer.js';
import { servingMetrics } from './serving-metrics.js';
import type { ServingPipeline } from './serving-pipeline.js';
import type { ServingRequest } from './serving-request.js';

/** Options of {@link createStreamingScorer}. */
export interface StreamingScorerOptions {
  /** The pipeline that answers gRPC Predict: the same model slots, online features, breakers and fallback chain. */
  readonly pipeline: Pick<ServingPipeline, 'predictMany'>;
  readonly kafka: Kafka;
  /** Model that scores every departure. Default `flight-delay`. */
  readonly model?: string;
  /** Alias asked, as a Predict request's `alias`. Default the pipeline's (`champion`, with its canary share). */
  readonly alias?: string;
  /** Where `flight.departed` events are read. Default `events.validated`. */
  readonly eventsTopic?: string;
  /** Where answers are written, keyed by event id. Default `predictions.scored`. */
  readonly scoredTopic?: string;
  /** Where events the pipeline refuses as invalid go. Default `events.dlq`. */
  readonly deadLetterTopic?: string;
  /** Consumer group; every replica of the scorer joins the same one. Default `streaming-scorer`. */
  readonly groupId?: string;
  /** Prefix of the transactional ids (`<prefix>.<topic>.<partition>`); the same for every replica. Default the group id. */
  readonly transactionalIdPrefix?: string;
  /** Deadline of each scoring attempt, as a Predict call's, in ms. Default 1 000. */
  readonly deadlineMs?: number;
  /** Events scored together and committed in one transaction, at most. Default 256. */
  readonly maxBatchSize?: number;
  /** Partitions scored at the same time. Default 3. */
  readonly partitionsConcurrency?: number;
  /**
   * Events of one chunk asked of the pipeline at the same time. A whole chunk at once would put hundreds of online reads
   * and rows in flight against budgets made for single requests: past them the breakers open and the fallback tiers
   * answer, for gRPC callers too. Default 32 (up to `partitionsConcurrency` × this in flight).
   */
  readonly maxInFlight?: number;
  /** Longest wait before rows the serving queue shed are asked again, in ms (jittered, doubling from 5). Default 200. */
  readonly maxBackPressureDelayMs?: number;
  /** The group drops a silent member after this long, in ms. Default 10 000. */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat interval of the consumer, in ms. Default 1 000. */
  readonly heartbeatIntervalMs?: number;
  /** Default a logger named `streaming-scorer`. */
  readonly logger?: Logger;
}

/** Scores every `flight.departed` as it arrives, exactly once for read_committed readers of `predictions.scored`. */
export interface StreamingScorer {
  /** Joins the group and starts scoring; idempotent. */
  start(): Promise<void>;
  /** Whether it has started and not closed. */
  readonly running: boolean;
  /** True while a partition holds its events because they cannot be scored yet (no champion loaded, Kafka down). */
  readonly stalled: boolean;
  /** True while the consumer is paused because the serving queue sheds rows. */
  readonly backPressured: boolean;
  /** Stops fetching, lets the chunks in hand finish and commit, leaves the group; idempotent. */
  close(): Promise<void>;
}

const BACK_PRESSURE_BASE_DELAY_MS = 5;

/**
 * Creates the streaming scorer: a transactional consumer of the events topic
 * (see `createTransactionalConsumer` of `@tributary/kafka`) whose handler asks
 * the serving pipeline for each departure, as a Predict request naming the
 * flight and its event id, and writes each answer as a `ScoredEvent` — the
 * Predict answer, with the event's id, time and position — in the same
 * transaction as the consumed offsets.
 *
 * Nothing is dropped: rows the primary queue sheds (`OverloadedError`) pause
 * the consumer and are asked again after a jittered wait until answered; an
 * event that cannot be scored yet (no champion) holds its partition; an event
 * the pipeline refuses as invalid goes to the dead-letter topic. Breakers and
 * the fallback chain are the pipeline's, as on gRPC.
 */
export function createStreamingScorer(options: StreamingScorerOptions): StreamingScorer {
  const { pipeline } = options;
  const model = options.model ?? 'flight-delay';
  const deadlineMs = options.deadlineMs ?? 1_000;
  const maxBackPressureDelayMs = options.maxBackPressureDelayMs ?? 200;
  const maxInFlight = options.maxInFlight ?? 32;
  const logger = options.logger ?? createLogger({ name: 'streaming-scorer' });
  const metrics = servingMetrics();
  const eventsTopic = { ...topics.eventsValidated, name: options.eventsTopic ?? topics.eventsValidated.name };
  const scoredTopic = { ...topics.predictionsScored, name: options.scoredTopic ?? topics.predictionsScored.name };
  let backPressuredHandlers = 0;
  let running = false;

  /** Pauses the consumer while any handler waits for the serving queue, resumes once none does. */
  function backPressure(on: boolean): void {
    backPressuredHandlers += on ? 1 : -1;
    const paused = backPressuredHandlers > 0;
    metrics.streamingBackPressured.set({ model }, paused ? 1 : 0);
    if (paused && !consumer.paused) consumer.pause();
    else if (!paused && consumer.paused && running) consumer.resume();
  }

  /** Answers every request, asking again for the rows the queue shed; throws only what holds the partition. */
  async function answerAll(requests: readonly Omit<ServingRequest, 'deadlineAtMs'>[], signal: AbortSignal): Promise<(ServingAnswer | InvalidInputError)[]> {
    const answers: (ServingAnswer | InvalidInputError)[] = new Array(requests.length);
    let pending = requests.map((_, index) => index);
    let waiting = false;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          if (!waiting) backPressure((waiting = true));
          metrics.streamingBackPressureWaits.inc({ model });
          await sleep(backoffDelayMs(attempt - 1, { baseDelayMs: BACK_PRESSURE_BASE_DELAY_MS, maxDelayMs: maxBackPressureDelayMs }), undefined, { signal });
        }
        const asked = pending;
        pending = [];
        for (let start = 0; start < asked.length; start += maxInFlight) {
          const window = asked.slice(start, start + maxInFlight);
          const deadlineAtMs = Date.now() + deadlineMs;
          const results = await pipeline
            .predictMany(window.map((index) => ({ ...(requests[index] as ServingRequest), deadlineAtMs })))
            // A full pipeline refuses the whole window at once: every event of it is asked again, like a shed row.
            .catch((error: unknown) => {
              if (error instanceof OverloadedError) return window.map(() => error);
              throw error;
            });
          results.forEach((result, k) => {
            const index = window[k] as number;
            if (!(result instanceof Error)) answers[index] = result;
            else if (result instanceof OverloadedError || result instanceof DeadlineExceededError) pending.push(index);
            else if (result instanceof InvalidInputError) answers[index] = result;
            else throw new ScoringUnavailableError((requests[index] as ServingRequest).requestId, result);
          });
        }
      }
      return answers;
    } finally {
      if (waiting) backPressure(false);
    }
  }

  async function score(records: readonly ConsumedRecord<Event>[], context: HandlerContext): Promise<OutgoingRecord<ScoredEvent>[]> {
    const departures: { record: ConsumedRecord<Event>; request: Omit<ServingRequest, 'deadlineAtMs'> }[] = [];
    const refused: RecordDeadLetter<Event>[] = [];
    for (const record of records) {
      if (record.value.payload.case !== 'flightDeparted') continue;
      try {
        departures.push({ record, request: toRequest(record.value, model, options.alias) });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        refused.push({ record, error });
      }
    }
    const answers = await answerAll(
      departures.map((departure) => departure.request),
      context.signal,
    );
    const scored: OutgoingRecord<ScoredEvent>[] = [];
    const scoredAtMs = Date.now();
    answers.forEach((answer, index) => {
      const { record } = departures[index] as (typeof departures)[number];
      if (answer instanceof InvalidInputError) {
        refused.push({ record, error: answer });
        return;
      }
      metrics.streamingScored.inc({ model, tier: answer.tier });
      metrics.streamingDelaySeconds.observe({ model }, Math.max(0, scoredAtMs - record.timestamp.getTime()) / 1000);
      scored.push(toScoredRecord(record, answer, scoredAtMs));
    });
    if (refused.length > 0) {
      logger.warn({ events: refused.length, first: refused[0]?.error.message }, 'events refused by the pipeline go to the dead-letter topic');
      await context.deadLetter(refused);
    }
    return scored;
  }

  const consumer: TypedConsumer = createTransactionalConsumer({
    kafka: options.kafka,
    groupId: options.groupId ?? 'streaming-scorer',
    topic: eventsTopic,
    output: scoredTopic,
    source: '/tributary/inference/streaming-scorer',
    handler: score,
    maxBatchSize: options.maxBatchSize ?? 256,
    partitionsConcurrency: options.partitionsConcurrency ?? 3,
    ...(options.deadLetterTopic === undefined ? {} : { deadLetterTopic: options.deadLetterTopic }),
    ...(options.transactionalIdPrefix === undefined ? {} : { transactionalIdPrefix: options.transactionalIdPrefix }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    logger,
  });

  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  return {
    start() {
      starting ??= consumer.start().then(() => {
        running = !closing;
        logger.info({ model, events: eventsTopic.name, scored: scoredTopic.name }, 'streaming scorer started');
      });
      return starting;
    },
    get running() {
      return running;
    },
    get stalled() {
      return consumer.stalled;
    },
    get backPressured() {
      return backPressuredHandlers > 0;
    },
    close() {
      closing ??= (async () => {
        running = false;
        await consumer.close();
        logger.info('streaming scorer closed');
      })();
      return closing;
    },
  };
}

/** A departure as the Predict request gRPC would send for it: the flight, its event id as request id. */
function toRequest(event: Event, model: string, alias: string | undefined): Omit<ServingRequest, 'deadlineAtMs'> {
  if (event.payload.case !== 'flightDeparted') throw new InvalidInputError(`event ${event.eventId} is not a flight.departed`);
  const departed = event.payload.value;
  const departure = departed.departureTime ?? event.eventTime;
  if (!departure) throw new InvalidInputError(`event ${event.eventId} has neither a departure time nor an event time`, event.eventId);
  return {
    model,
    ...(alias === undefined ? {} : { alias }),
    flight: { origin: departed.origin, destination: departed.destination, departureTimeMs: timestampMs(departure), distanceMiles: departed.distanceMiles },
    eventId: event.eventId,
    requestId: event.eventId,
  };
}

function toScoredRecord(record: ConsumedRecord<Event>, answer: ServingAnswer, scoredAtMs: number): OutgoingRecord<ScoredEvent> {
  const event = record.value;
  const departed = event.payload.case === 'flightDeparted' ? event.payload.value : undefined;
  const value = create(ScoredEventSchema, {
    eventId: event.eventId,
    prediction: toPredictResponse(answer, event.eventId),
    ...(event.eventTime ? { eventTime: event.eventTime } : {}),
    scoredTime: timestampFromMs(scoredAtMs),
    sourceTopic: record.topic,
    sourcePartition: record.partition,
    sourceOffset: BigInt(record.offset),
    flightKey: departed?.flightKey ?? '',
  });
  return { key: event.eventId, id: event.eventId, value };
}
