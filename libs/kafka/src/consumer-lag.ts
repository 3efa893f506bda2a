import type { Kafka } from 'kafkajs';
import { KafkaUnavailableError } from './errors.js';

/** Options of {@link fetchConsumerLag}. */
export interface ConsumerLagOptions {
  readonly kafka: Kafka;
  /** The consumer groups to report, in this order; a group the broker does not know is reported with state `Dead` and no partitions. */
  readonly groupIds: readonly string[];
}

/** One partition a group has committed an offset on. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset: the next record it will read. */
  readonly committed: bigint;
  /** The partition's high watermark: the offset its next record will get. */
  readonly end: bigint;
  /** Records written and not yet committed by the group (`end - committed`, never below 0). */
  readonly lag: bigint;
}

/** What the broker says of one consumer group. */
export interface ConsumerGroupLag {
  readonly groupId: string;
  /** The broker's state of the group: `Stable`, `Empty` (no member: nobody consumes), `PreparingRebalance`, `Dead` (unknown)… */
  readonly state: string;
  /** Members connected now. */
  readonly members: number;
  /** Each partition with a committed offset, by topic then partition. */
  readonly partitions: readonly PartitionLag[];
  /** Sum of the partitions' lag. */
  readonly totalLag: bigint;
}

/**
 * The lag of consumer groups as an SRE reads it: for every partition a group
 * has committed on, the committed offset against the partition's end, asked
 * of the broker now on an admin connection of its own (closed before
 * returning). Fails with {@link KafkaUnavailableError} when the brokers cannot
 * answer.
 */
export async function fetchConsumerLag(options: ConsumerLagOptions): Promise<ConsumerGroupLag[]> {
  const admin = options.kafka.admin();
  try {
    await admin.connect();
    const groupIds = [...options.groupIds];
    const described = groupIds.length === 0 ? [] : (await admin.describeGroups(groupIds)).groups;
    const ends = new Map<string, Map<number, bigint>>();
    const endOf = async (topic: string): Promise<Map<number, bigint>> => {
      let topicEnds = ends.get(topic);
      if (!topicEnds) {
        topicEnds = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
        ends.set(topic, topicEnds);
      }
      return topicEnds;
    };
    const result: ConsumerGroupLag[] = [];
    for (const groupId of groupIds) {
      const group = described.find((candidate) => candidate.groupId === groupId);
      const partitions: PartitionLag[] = [];
      for (const { topic, partitions: committed } of await admin.fetchOffsets({ groupId })) {
        const topicEnds = await endOf(topic);
        for (const { partition, offset } of committed) {
          // -1: the group has never committed on this partition.
          if (offset === '-1') continue;
          const end = topicEnds.get(partition) ?? 0n;
          const at = BigInt(offset);
          partitions.push({ topic, partition, committed: at, end, lag: end > at ? end - at : 0n });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      result.push({
        groupId,
        state: group?.state ?? 'Dead',
        members: group?.members.length ?? 0,
        partitions,
        totalLag: partitions.reduce((sum, partition) => sum + partition.lag, 0n),
      });
    }
    return result;
  } catch (reason) {
    throw new KafkaUnavailableError(`consumer lag of ${options.groupIds.join(', ')}`, reason);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
