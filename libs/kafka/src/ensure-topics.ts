import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { backoffDelayMs } from '@tributary/resilience';
import { KafkaTopicSetupError, isTransientKafkaError } from './errors.js';
import type { TopicDefinition } from './topic.js';

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Replicas of each partition. Default 1 (a single local broker); use 3 on a real cluster. */
  readonly replicationFactor?: number;
  /**
   * How long the broker may take to create the topics and elect their leaders, in ms; transient failures are tried
   * again within it. Default 30 000.
   */
  readonly timeoutMs?: number;
}

/** What {@link ensureTopics} changed. */
export interface EnsureTopicsResult {
  /** Topics that did not exist and were created. */
  readonly created: readonly string[];
  /** Existing topics that had fewer partitions than defined and were grown. */
  readonly grown: readonly string[];
}

/**
 * Makes the topics exist as defined, idempotently: creates the missing ones
 * (waiting for their partition leaders, so the first produce does not fail)
 * and grows existing ones that have fewer partitions than defined. Settings
 * of existing topics are left alone. Opens an admin connection of its own and
 * closes it before returning, whatever happens. A transient failure is tried
 * again until `timeoutMs`: on a loaded broker the metadata of a topic just
 * created may not name its partitions yet ("This server does not host this
 * topic-partition"), which once stopped a service at start.
 */
export async function ensureTopics(
  kafka: Pick<Kafka, 'admin'>,
  topics: readonly TopicDefinition<unknown>[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  const { replicationFactor = 1, timeoutMs = 30_000 } = options;
  const names = topics.map((topic) => topic.name);
  const deadline = Date.now() + timeoutMs;
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (reason) {
    throw new KafkaTopicSetupError(names, reason);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await setUpOnce(admin, topics, replicationFactor, Math.max(1_000, deadline - Date.now()));
      } catch (reason) {
        const delayMs = backoffDelayMs(attempt, { baseDelayMs: 200, maxDelayMs: 2_000 });
        if (!isTransientKafkaError(reason) || Date.now() + delayMs >= deadline) throw new KafkaTopicSetupError(names, reason);
        await sleep(delayMs);
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One pass of {@link ensureTopics}: lists, creates what is missing, grows what is too small. */
async function setUpOnce(admin: Admin, topics: readonly TopicDefinition<unknown>[], replicationFactor: number, timeoutMs: number): Promise<EnsureTopicsResult> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((topic) => topicConfig(topic, replicationFactor)),
      waitForLeaders: true,
      timeout: timeoutMs,
    });
  }
  const grown = await growPartitions(admin, topics.filter((topic) => existing.has(topic.name)), timeoutMs);
  return { created: missing.map((topic) => topic.name), grown };
}

function topicConfig(topic: TopicDefinition<unknown>, replicationFactor: number): ITopicConfig {
  return {
    topic: topic.name,
    numPartitions: topic.partitions,
    replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(topic.retentionMs) },
      { name: 'cleanup.policy', value: topic.cleanupPolicy },
    ],
  };
}

async function growPartitions(admin: Admin, topics: readonly TopicDefinition<unknown>[], timeoutMs: number): Promise<string[]> {
  if (topics.length === 0) return [];
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((topic) => topic.name) });
  const current = new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  const tooSmall = topics.filter((topic) => (current.get(topic.name) ?? 0) < topic.partitions);
  if (tooSmall.length > 0) {
    await admin.createPartitions({
      topicPartitions: tooSmall.map((topic) => ({ topic: topic.name, count: topic.partitions })),
      timeout: timeoutMs,
    });
  }
  return tooSmall.map((topic) => topic.name);
}
