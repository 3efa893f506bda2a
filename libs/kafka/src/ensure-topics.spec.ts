import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBytesCodec, defineTopic, ensureTopics, KafkaTopicSetupError } from './index.js';

const topic = defineTopic({ name: 'spec.ensure.retry', keyDescription: 'id', codec: createBytesCodec(), partitions: 2 });

/** An admin whose topic creation fails with `failures` in turn before it works; it records how often it was asked. */
function adminFailingWith(failures: Error[]) {
  const created: string[] = [];
  let calls = 0;
  const admin = {
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
  return { admin: admin as unknown as Admin, calls: () => calls };
}

const unknownPartition = () => Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', retriable: true });

describe('ensureTopics() on a broker that is not ready', () => {
  it('tries a transient failure again and creates the topic', async () => {
    const { admin, calls } = adminFailingWith([unknownPartition(), unknownPartition()]);
    expect(await ensureTopics(admin, [topic], { timeoutMs: 10_000 })).toEqual({ created: [topic.name], grown: [] });
    expect(calls()).toBe(3);
  });

  it('gives up at once on a failure that is not transient, saying which topics', async () => {
    const { admin, calls } = adminFailingWith([Object.assign(new Error('Topic authorization failed'), { name: 'KafkaJSProtocolError', retriable: false })]);
    await expect(ensureTopics(admin, [topic], { timeoutMs: 10_000 })).rejects.toThrow(KafkaTopicSetupError);
    expect(calls()).toBe(1);
  });

  it('gives up once its time is spent, with the last failure as the cause', async () => {
    const { admin } = adminFailingWith(Array.from({ length: 100 }, unknownPartition));
    const started = Date.now();
    const error = await ensureTopics(admin, [topic], { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaTopicSetupError);
    expect((error as Error).message).toMatch(/spec\.ensure\.retry: .*does not host this topic-partition/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
