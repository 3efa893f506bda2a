import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBytesCodec, defineTopic, ensureTopics, KafkaTopicSetupError } from './index.js';

const topic = defineTopic({ name: 'spec.ensure.retry', keyDescription: 'id', codec: createBytesCodec(), partitions: 2 });

/**
 * A client whose admin's topic creation fails with `failures` in turn before it works; it records how often it was
 * asked and whether the admin connection it handed out is still open.
 */
function kafkaFailingWith(failures: Error[]) {
  const created: string[] = [];
  let calls = 0;
  let open = 0;
  const admin = {
    connect: async () => {
      open++;
    },
    disconnect: async () => {
      open--;
    },
    listTopics: async () => [...created],
    createTopics: async ({ topics }: { topics: { topic: string }[] }) => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      created.push(...topics.map((t) => t.topic));
      return true;
    },
    fetchTopicMetadata: async () => ({ topics: [] }),
    createPartitions: async () => true,
  };
  const kafka = { admin: () => admin as unknown as Admin } as Pick<Kafka, 'admin'>;
  return { kafka, calls: () => calls, openConnections: () => open };
}

const unknownPartition = () => Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', retriable: true });

describe('ensureTopics() on a broker that is not ready', () => {
  it('tries a transient failure again and creates the topic', async () => {
    const { kafka, calls, openConnections } = kafkaFailingWith([unknownPartition(), unknownPartition()]);
    expect(await ensureTopics(kafka, [topic], { timeoutMs: 10_000 })).toEqual({ created: [topic.name], grown: [] });
    expect(calls()).toBe(3);
    expect(openConnections()).toBe(0);
  });

  it('gives up at once on a failure that is not transient, saying which topics', async () => {
    const { kafka, calls, openConnections } = kafkaFailingWith([Object.assign(new Error('Topic authorization failed'), { name: 'KafkaJSProtocolError', retriable: false })]);
    await expect(ensureTopics(kafka, [topic], { timeoutMs: 10_000 })).rejects.toThrow(KafkaTopicSetupError);
    expect(calls()).toBe(1);
    expect(openConnections()).toBe(0);
  });

  it('gives up once its time is spent, with the last failure as the cause', async () => {
    const { kafka, openConnections } = kafkaFailingWith(Array.from({ length: 100 }, unknownPartition));
    const started = Date.now();
    const error = await ensureTopics(kafka, [topic], { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(openConnections()).toBe(0);
    expect(error).toBeInstanceOf(KafkaTopicSetupError);
    expect((error as Error).message).toMatch(/spec\.ensure\.retry: .*does not host this topic-partition/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
