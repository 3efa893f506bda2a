import type { Kafka } from 'kafkajs';
import { ensureTopics } from '../ensure-topics.js';
import type { TopicDefinition } from '../topic.js';
import { uniqueName } from './unique-name.js';

/** Topics made for one test, and the way to remove them. */
export interface TestTopics {
  /** A copy of the definition under a unique name, created on the broker. */
  create<T>(topic: TopicDefinition<T>): Promise<TopicDefinition<T>>;
  /** Deletes every topic created here; idempotent. */
  deleteAll(): Promise<void>;
}

/**
 * Creates uniquely named copies of catalogue topics, so tests running at the
 * same time never share a topic; `deleteAll()` in `afterAll` removes them.
 */
export function createTestTopics(kafka: Kafka): TestTopics {
  const created: string[] = [];
  return {
    async create(topic) {
      const copy = { ...topic, name: uniqueName(topic.name) };
      await ensureTopics(kafka, [copy]);
      created.push(copy.name);
      return copy;
    },
    async deleteAll() {
      const topics = created.splice(0);
      if (topics.length === 0) return;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
