/** Invariant: no good event in the dead-letter topic. Every published flight event is good. */
import { randomUUID } from 'node:crypto';
import { CloudEventHeader, DeadLetterHeader, headersToStrings } from '@tributary/kafka';
import type { Kafka } from 'kafkajs';

/** `dlq_reason`: why a consumer refused an event (ingestion's and the feature pipeline's rejections). */
const REASON_HEADER = 'dlq_reason';

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

/** Reads the whole topic (up to its end offsets now) with a throwaway group and tallies it against `goodIds`. */
export async function checkDeadLetters(kafka: Kafka, topic: string, goodIds: ReadonlySet<string>, timeoutMs = 60_000): Promise<DeadLetterCheck> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]));
  let records = 0;
  let goodRecords = 0;
  const good = new Set<string>();
  const reasons: Record<string, number> = {};
  if (remaining.size > 0) {
    const consumer = kafka.consumer({ groupId: `chaos-dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${records} dead letters of ${topic}, not its end, in ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined || Number(message.offset) >= end) return;
              records += 1;
              const headers = headersToStrings(message.headers);
              const reason = headers[REASON_HEADER] ?? headers[DeadLetterHeader.errorCode] ?? 'unknown';
              reasons[reason] = (reasons[reason] ?? 0) + 1;
              const id = headers[CloudEventHeader.id];
              if (id !== undefined && goodIds.has(id)) {
                goodRecords += 1;
                good.add(id);
              }
              if (Number(message.offset) + 1 >= end) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }
  return { records, goodRecords, goodIds: good.size, reasons };
}
