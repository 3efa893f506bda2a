import type { Admin, Kafka } from 'kafkajs';
import { KafkaUnavailableError } from './errors.js';

/** Options of {@link createPartitionEndOffsets}. */
export interface PartitionEndOffsetsOptions {
  readonly kafka: Kafka;
  readonly topic: string;
}

/** The end of each partition of one topic, asked of the broker on every call. */
export interface PartitionEndOffsets {
  /**
   * Each partition's high watermark — the offset its next record will get —
   * fetched now, never cached: a consumer that has handled everything below
   * it has nothing waiting. Fails with {@link KafkaUnavailableError}.
   */
  fetch(): Promise<ReadonlyMap<number, bigint>>;
  /** Disconnects the admin client it opened on the first fetch. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a {@link PartitionEndOffsets} on an admin client of its own,
 * connected on the first fetch. A consumer uses it to tell a partition that is
 * caught up from one that is only quiet, e.g. before letting it stop holding
 * an event-time watermark back.
 */
export function createPartitionEndOffsets(options: PartitionEndOffsetsOptions): PartitionEndOffsets {
  const { kafka, topic } = options;
  let connecting: Promise<Admin> | undefined;
  let closed = false;

  function connected(): Promise<Admin> {
    connecting ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      return admin;
    })().catch((reason: unknown) => {
      connecting = undefined;
      throw reason;
    });
    return connecting;
  }

  return {
    async fetch() {
      if (closed) throw new KafkaUnavailableError(`end offsets of ${topic}`, 'closed');
      try {
        const offsets = await (await connected()).fetchTopicOffsets(topic);
        return new Map(offsets.map(({ partition, high }) => [partition, BigInt(high)]));
      } catch (reason) {
        throw new KafkaUnavailableError(`end offsets of ${topic}`, reason);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const opening = connecting;
      connecting = undefined;
      await (await opening?.catch(() => undefined))?.disconnect();
    },
  };
}
