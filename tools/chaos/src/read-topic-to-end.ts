/** Reading a whole topic as it is now, for the checks. */
import { randomUUID } from 'node:crypto';
import { headersToStrings } from '@tributary/kafka';
import type { Kafka } from 'kafkajs';

/**
 * Hands every record of `topic` up to its end offsets of now to `onRecord`
 * (headers as strings), with a throwaway consumer group; rejects after
 * `timeoutMs` with how far it got. Returns how many records it read.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (headers: Readonly<Record<string, string>>) => void,
  timeoutMs = 120_000,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]));
  let records = 0;
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `chaos-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records} records of ${topic}, not its end, in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined || Number(message.offset) >= end) return;
            records += 1;
            onRecord(headersToStrings(message.headers));
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
  return records;
}
