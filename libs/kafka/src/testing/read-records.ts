import { Code, TributaryError } from '@tributary/errors';
import type { Kafka } from 'kafkajs';
import { headersToStrings } from '../headers.js';
import { uniqueName } from './unique-name.js';

/** A record as it is on the topic: raw value bytes, headers as strings. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Options of {@link readRecords}. */
export interface ReadRecordsOptions {
  /** Give up after this long, in ms. Default 15 000. */
  readonly timeoutMs?: number;
}

/**
 * Reads the first `count` records of a topic (all partitions, from the
 * beginning) with a throwaway consumer group; rejects with the records read so
 * far in the message if fewer arrive in time.
 */
export async function readRecords(kafka: Kafka, topic: string, count: number, options: ReadRecordsOptions = {}): Promise<ReadRecord[]> {
  const { timeoutMs = 15_000 } = options;
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('read-records'), maxWaitTimeInMs: 100 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new TributaryError(Code.DeadlineExceeded, `read ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (count <= 0) resolve();
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (records.length >= count) return;
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              headers: headersToStrings(message.headers),
            });
            if (records.length >= count) resolve();
          },
        })
        .catch(reject);
    });
    return records;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
