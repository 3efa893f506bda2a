import type { Event } from '@tributary/contracts';
import { createLogger, type Logger, type TraceContext } from '@tributary/observability';
import { retry, type RetryOptions } from '@tributary/resilience';
import { decodeEvent } from './decode-event.js';
import type { Deduplicator } from './deduplicator.js';
import type { EventSink } from './event-sink.js';
import { ingestMetrics } from './ingest-metrics.js';
import type { Rejection } from './rejection.js';
import { UnmarkedWrites } from './unmarked-writes.js';
import { validatedEventBytes } from './validated-bytes.js';
import type { EventValidator } from './validate-event.js';

/** A record as it arrives, before decoding (a Kafka record's value and `content-type` header). */
export interface RawRecord {
  readonly value: Uint8Array;
  /** Decides JSON or protobuf; when absent or unknown the value is sniffed (see `wireFormatOf`). */
  readonly contentType?: string;
  /**
   * The trace the record arrived in (its Kafka headers'), handed to the sinks
   * with its event so what they write for it stays in that trace even when
   * the batch is handled in a trace of its own. Default: the active trace.
   */
  readonly traceContext?: TraceContext;
}

/** What became of one event of a batch. */
export type IngestOutcome =
  | { readonly status: 'accepted'; /** As written: with `ingestTime`. */ readonly event: Event }
  | { readonly status: 'duplicate'; readonly eventId: string; readonly type: string }
  | { readonly status: 'rejected'; readonly rejection: Rejection; /** When it could be read. */ readonly eventId?: string };

/** The outcome of one batch: one entry per input, in input order, and the counts. */
export interface IngestBatchResult {
  readonly outcomes: readonly IngestOutcome[];
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
}

/** Options of {@link createIngestor}. */
export interface IngestorOptions {
  readonly validator: EventValidator;
  readonly deduplicator: Deduplicator;
  /** Where accepted events are written, all before the ids are marked as seen; at least one. */
  readonly sinks: readonly EventSink[];
  /**
   * How failed Redis and sink calls are retried (only errors that say they are
   * retryable). Default 3 retries, 100 ms base delay, full jitter.
   */
  readonly retry?: RetryOptions;
  /**
   * Most ids per sink remembered as written but not yet marked (see
   * {@link createIngestor}); past it the oldest are forgotten, and a retry
   * asks the sink again (one that cannot answer is written again). Default
   * 1 000 000 (about 100 MB per sink at worst).
   */
  readonly maxUnmarkedIds?: number;
  /** Default a logger named `ingest`. */
  readonly logger?: Logger;
}

/** The ingestion pipeline without transport: what the Kafka consumer and the gRPC service both call. */
export interface Ingestor {
  /** Decodes (JSON or protobuf), validates, deduplicates and writes a batch of raw records. */
  ingestRecords(records: readonly RawRecord[]): Promise<IngestBatchResult>;
  /** The same for events already decoded (the gRPC `Ingest` path). */
  ingestEvents(events: readonly Event[]): Promise<IngestBatchResult>;
}

/** A batch item after decoding and validation; `producerProtobuf` are the bytes it arrived as, when protobuf. */
type Triaged =
  | { readonly event: Event; readonly producerProtobuf?: Uint8Array; readonly traceContext?: TraceContext | undefined }
  | { readonly rejection: Rejection; readonly eventId?: string };

/**
 * Creates an {@link Ingestor}. One batch goes: decode → validate → drop ids
 * seen earlier in the batch → claim the ids (the deduplicator answers which
 * were written, which are pending, and marks the rest pending) → write the
 * new events to every sink → mark their ids as written.
 *
 * The claim is not a promise to write, only a note that an attempt began: an
 * event is never dropped for being pending, so a write that fails or a process
 * that dies loses nothing. A pending id tells the next attempt — this
 * process's retry, or after a crash the next owner of the records — that some
 * sinks may already hold the event: a sink that can tell (`findWritten`: the
 * ClickHouse table) is asked and skipped for what it holds, so `events_raw`
 * gets each event once even across a crash; a sink that cannot (the
 * `events.validated` topic) is written again, and its consumers count an id
 * once (the feature engine keeps the ids it counted). New ids cost no extra
 * call: the claim is the lookup. The same question is asked when a sink's own
 * write failed and is retried, since a write whose answer was lost may have
 * landed.
 *
 * Within one process the ingestor also remembers, per sink, the ids it wrote
 * until they are marked, so its own retries skip a sink that already wrote an
 * event without asking it. (Before, every retry re-sent the batch to Kafka:
 * 67,899 records for 62,223 ids.)
 *
 * If a sink or Redis keeps failing the call throws a retryable error, nothing
 * is marked, and the caller must not commit the batch.
 */
export function createIngestor(options: IngestorOptions): Ingestor {
  const { validator, deduplicator, sinks, maxUnmarkedIds = 1_000_000 } = options;
  const unmarked = new UnmarkedWrites(sinks.length, maxUnmarkedIds);
  const logger = options.logger ?? createLogger({ name: 'ingest' });
  const retryOptions: RetryOptions = {
    retries: 3,
    ...options.retry,
    onRetry: (reason, attempt, delayMs) => logger.warn({ err: reason, attempt, delayMs }, 'Redis or a sink failed, retrying'),
  };
  const metrics = ingestMetrics();

  async function ingest(items: readonly Triaged[]): Promise<IngestBatchResult> {
    const stopTimer = metrics.batchDuration.startTimer();
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length);
    const candidates = new Map<
      string,
      { readonly index: number; readonly event: Event; readonly producerProtobuf?: Uint8Array | undefined; readonly traceContext?: TraceContext | undefined }
    >();
    items.forEach((item, index) => {
      if ('rejection' in item) {
        outcomes[index] = { status: 'rejected', ...item };
      } else if (candidates.has(item.event.eventId)) {
        outcomes[index] = { status: 'duplicate', eventId: item.event.eventId, type: item.event.type };
      } else {
        candidates.set(item.event.eventId, { index, event: item.event, producerProtobuf: item.producerProtobuf, traceContext: item.traceContext });
      }
    });

    const { seen, pending } = await retry(() => deduplicator.claim([...candidates.keys()]), retryOptions);
    const fresh: Event[] = [];
    const freshProtobuf: Uint8Array[] = [];
    const freshContexts: (TraceContext | undefined)[] = [];
    unmarked.forget(seen);
    for (const [eventId, { index, event, producerProtobuf, traceContext }] of candidates) {
      if (seen.has(eventId)) {
        outcomes[index] = { status: 'duplicate', eventId, type: event.type };
      } else {
        outcomes[index] = { status: 'accepted', event };
        fresh.push(event);
        freshProtobuf.push(validatedEventBytes(event, producerProtobuf));
        freshContexts.push(traceContext);
      }
    }
    if (fresh.length > 0) {
      // Every sink finishes (or gives up) before the batch fails, so a retry of
      // the batch never overlaps a write still in progress.
      const writes = await Promise.allSettled(sinks.map((sink, i) => writeOnce(sink, i, fresh, freshProtobuf, freshContexts, pending)));
      const failed = writes.find((write) => write.status === 'rejected');
      if (failed) throw failed.reason;
      const ids = fresh.map((event) => event.eventId);
      await retry(() => deduplicator.markSeen(ids), retryOptions);
      unmarked.forget(ids);
    }

    // Counted once the batch succeeded, so a batch that is retried is not counted twice.
    const accepted = countByType(fresh);
    const duplicated = countByType(outcomes.flatMap((outcome) => (outcome.status === 'duplicate' ? [outcome] : [])));
    const rejected = countBy(outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.rejection.reason] : [])));
    for (const [type, count] of accepted) metrics.accepted.inc({ type }, count);
    for (const [type, count] of duplicated) metrics.duplicates.inc({ type }, count);
    for (const [reason, count] of rejected) metrics.rejected.inc({ reason }, count);
    const duplicates = [...duplicated.values()].reduce((sum, count) => sum + count, 0);
    stopTimer();
    return { outcomes, accepted: fresh.length, duplicates, rejected: items.length - fresh.length - duplicates };
  }

  /**
   * Writes to one sink the events it does not hold yet: all of them, unless
   * this process already wrote some there, or an earlier attempt may have
   * (`pending` ids; every id once a write of this call failed) and the sink
   * says it holds them.
   */
  async function writeOnce(
    sink: EventSink,
    index: number,
    events: readonly Event[],
    protobuf: readonly Uint8Array[],
    contexts: readonly (TraceContext | undefined)[],
    pending: ReadonlySet<string>,
  ): Promise<void> {
    let todo = events.flatMap((event, i) => (unmarked.has(index, event.eventId) ? [] : [i]));
    await retry(async (attempt) => {
      const uncertain = attempt === 0 ? todo.filter((i) => pending.has((events[i] as Event).eventId)) : todo;
      if (sink.findWritten && uncertain.length > 0) {
        const held = await sink.findWritten(uncertain.map((i) => events[i] as Event));
        if (held.size > 0) {
          unmarked.add(index, [...held]);
          todo = todo.filter((i) => !held.has((events[i] as Event).eventId));
          metrics.alreadyWritten.inc({ sink: sink.name }, held.size);
          logger.info({ sink: sink.name, events: held.size }, 'events an earlier attempt wrote were not written again');
        }
      }
      if (todo.length === 0) return;
      const whole = todo.length === events.length;
      await sink.write(
        whole ? events : todo.map((i) => events[i] as Event),
        whole ? protobuf : todo.map((i) => protobuf[i] as Uint8Array),
        whole ? contexts : todo.map((i) => contexts[i]),
      );
      unmarked.add(index, todo.map((i) => (events[i] as Event).eventId));
    }, retryOptions);
  }

  function validate(event: Event): Triaged {
    const result = validator(event);
    if (result.ok) return { event: result.event };
    return event.eventId === '' ? { rejection: result.rejection } : { rejection: result.rejection, eventId: event.eventId };
  }

  return {
    ingestRecords(records) {
      return ingest(
        records.map((record): Triaged => {
          const decoded = decodeEvent(record.value, record.contentType);
          if (!decoded.ok) return { rejection: decoded.rejection };
          const triaged = validate(decoded.event);
          if (!('event' in triaged)) return triaged;
          return { ...triaged, traceContext: record.traceContext, ...(decoded.format === 'protobuf' ? { producerProtobuf: record.value } : {}) };
        }),
      );
    },
    ingestEvents(events) {
      return ingest(events.map(validate));
    },
  };
}

/** How many of the items there are of each type (one metric update per type, not per event). */
function countByType(items: readonly { readonly type: string }[]): Map<string, number> {
  return countBy(items.map((item) => item.type));
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
