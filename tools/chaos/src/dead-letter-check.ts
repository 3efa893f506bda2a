/** Invariant: no good event in the dead-letter topic. Every published flight event is good. */
import { CloudEventHeader, DeadLetterHeader } from '@tributary/kafka';
import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from './read-topic-to-end.js';

/** What the dead-letter topic holds. */
export interface DeadLetterCheck {
  readonly records: number;
  /** Records of published (good) events. */
  readonly goodRecords: number;
  /** Distinct published ids among them. */
  readonly goodIds: number;
  /** Records per reason (`dlq_reason`, else `dlq_error_code`, else `unknown`). */
  readonly reasons: Readonly<Record<string, number>>;
}

/** Reads the whole topic (up to its end offsets now) and tallies it against `goodIds`. */
export async function checkDeadLetters(kafka: Kafka, topic: string, goodIds: ReadonlySet<string>): Promise<DeadLetterCheck> {
  let goodRecords = 0;
  const good = new Set<string>();
  const reasons: Record<string, number> = {};
  const records = await readTopicToEnd(kafka, topic, (headers) => {
    const reason = headers[DeadLetterHeader.reason] ?? headers[DeadLetterHeader.errorCode] ?? 'unknown';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    // A dead letter may carry an id of its own; the original event's id then travels as dlq_source_ce_id.
    const id = headers[DeadLetterHeader.sourceCeId] ?? headers[CloudEventHeader.id];
    if (id !== undefined && goodIds.has(id)) {
      goodRecords += 1;
      good.add(id);
    }
  });
  return { records, goodRecords, goodIds: good.size, reasons };
}

/** Ids stored in `events_raw` that never reached the validated topic, which the feature pipeline reads. */
export async function checkValidatedIds(kafka: Kafka, topic: string, storedIds: Iterable<string>): Promise<{ readonly missing: number; readonly records: number }> {
  const seen = new Set<string>();
  const records = await readTopicToEnd(kafka, topic, (headers) => {
    const id = headers[CloudEventHeader.id];
    if (id !== undefined) seen.add(id);
  });
  let missing = 0;
  for (const id of storedIds) if (!seen.has(id)) missing += 1;
  return { missing, records };
}
