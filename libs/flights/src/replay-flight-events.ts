import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidFlightsReadOptionsError } from './errors.js';
import { readFlightEvents, type FlightEvent, type ReadFlightEventsOptions } from './flight-events.js';

/** How far a replay has got. */
export interface ReplayProgress {
  /** Events sent so far. */
  readonly events: number;
  /** Event time of the last event sent (naive local time as if UTC, ms). */
  readonly eventTimeMs: number;
  /** Wall-clock time since the replay started, ms. */
  readonly elapsedMs: number;
}

/** Options of {@link replayFlightEvents}: the slice to replay, where to and how fast. */
export interface ReplayFlightEventsOptions extends ReadFlightEventsOptions {
  /** Sends one batch of events, in order; resolves once they are durable. Batches are sent one at a time. */
  readonly send: (events: readonly FlightEvent[]) => Promise<void>;
  /** Events per send. Default 1000. */
  readonly batchSize?: number;
  /** Target rate in events per wall-clock second. Default: as fast as `send` allows. */
  readonly eventsPerSecond?: number;
  /** Called after each batch is sent. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Stops the replay after the batch in flight; the replay then resolves with what was sent. */
  readonly signal?: AbortSignal;
  /**
   * The first `skipEvents` events of the slice are read but not sent: a replay
   * that stopped after sending that many resumes where it stopped (the order
   * of the slice is fixed). Progress counts the events sent. Default 0.
   */
  readonly skipEvents?: number;
}

/**
 * Replays a slice of the dataset in event-time order, in batches, through
 * `send`. Only one batch is in flight, so records keep their order; the next
 * batch is read and built while the previous one is being sent. With a rate,
 * batches wait until the wall clock catches up with `sent / eventsPerSecond`.
 *
 * @returns the final progress.
 */
export async function replayFlightEvents(options: ReplayFlightEventsOptions): Promise<ReplayProgress> {
  const { send, batchSize = 1000, eventsPerSecond, onProgress, signal, skipEvents = 0 } = options;
  if (!(batchSize >= 1)) throw new InvalidFlightsReadOptionsError(`batchSize (${batchSize}) must be at least 1`);
  if (!(Number.isInteger(skipEvents) && skipEvents >= 0)) throw new InvalidFlightsReadOptionsError(`skipEvents (${skipEvents}) must be a whole number ≥ 0`);
  if (eventsPerSecond !== undefined && !(eventsPerSecond > 0)) {
    throw new InvalidFlightsReadOptionsError(`eventsPerSecond (${eventsPerSecond}) must be positive`);
  }
  const startedMs = performance.now();
  let progress: ReplayProgress = { events: 0, eventTimeMs: Number.NaN, elapsedMs: 0 };
  // The batch in flight settles to its error (kept, not thrown) so that a failure
  // while the next batch is being read is never an unhandled rejection.
  let sending: Promise<unknown> = Promise.resolve();
  const settle = async (): Promise<void> => {
    const failure = await sending;
    if (failure !== undefined) throw failure;
  };
  let batch: FlightEvent[] = [];
  let toSkip = skipEvents;

  async function flush(events: FlightEvent[]): Promise<void> {
    await settle();
    if (eventsPerSecond !== undefined) {
      const dueMs = startedMs + (progress.events / eventsPerSecond) * 1000;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) await sleep(waitMs);
    }
    const last = events[events.length - 1] as FlightEvent;
    sending = send(events).then(
      () => {
        progress = { events: progress.events + events.length, eventTimeMs: last.eventTimeMs, elapsedMs: performance.now() - startedMs };
        onProgress?.(progress);
        return undefined;
      },
      (reason: unknown) => reason ?? new Error('send failed'),
    );
  }

  for await (const event of readFlightEvents(options)) {
    if (signal?.aborted) break;
    if (toSkip > 0) {
      toSkip--;
      continue;
    }
    batch.push(event);
    if (batch.length >= batchSize) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0 && !signal?.aborted) await flush(batch);
  await settle();
  return progress;
}
