import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@tributary/observability';
import { afterAll, describe, expect, it } from 'vitest';
import { createBytesCodec, createConsumer, createKafkaClient, defineTopic, fetchConsumerLag, KafkaUnavailableError, type ConsumerGroupLag } from './index.js';
import { createTestTopics, uniqueName } from './testing/index.js';

const kafka = createKafkaClient({ clientId: 'kafka-consumer-lag-test' });
const logger = createLogger({ name: 'kafka-consumer-lag-test', level: 'error' });
const testTopics = createTestTopics(kafka);
const bytes = defineTopic({ name: 'test.lag', keyDescription: 'key', codec: createBytesCodec(), partitions: 2 });

afterAll(async () => {
  await testTopics.deleteAll();
});

/** Writes `count` records to one partition with a plain kafkajs producer. */
async function produce(topic: string, partition: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition, key: `k${i}`, value: Buffer.from([i]) })) });
  } finally {
    await producer.disconnect();
  }
}

async function lagOf(groupId: string): Promise<ConsumerGroupLag> {
  const [group] = await fetchConsumerLag({ kafka, groupIds: [groupId] });
  if (!group) throw new Error(`no lag reported for ${groupId}`);
  return group;
}

describe('fetchConsumerLag()', () => {
  it('reports each partition a group committed on against its end, and the lag that grows while the group is stopped', async () => {
    const topic = await testTopics.create(bytes);
    const groupId = uniqueName('test.lag-group');
    await produce(topic.name, 0, 5);
    await produce(topic.name, 1, 3);

    let handled = 0;
    const count = async () => {
      handled++;
    };
    const consumer = createConsumer({ kafka, groupId, topic, fromBeginning: true, logger, handler: count });
    await consumer.start();
    try {
      // Caught up: every partition committed at its end, one member, nothing behind.
      for (let tries = 0; tries < 150; tries++) {
        const group = await lagOf(groupId);
        if (group.partitions.length === 2 && group.totalLag === 0n) break;
        await sleep(200);
      }
      const running = await lagOf(groupId);
      expect(handled).toBe(8);
      expect(running).toMatchObject({ groupId, state: 'Stable', members: 1, totalLag: 0n });
      expect(running.partitions).toEqual([
        { topic: topic.name, partition: 0, committed: 5n, end: 5n, lag: 0n },
        { topic: topic.name, partition: 1, committed: 3n, end: 3n, lag: 0n },
      ]);
    } finally {
      await consumer.close();
    }

    // Stopped: what is written now waits, and the group has nobody to read it.
    await produce(topic.name, 0, 4);
    const stopped = await lagOf(groupId);
    expect(stopped).toMatchObject({ state: 'Empty', members: 0, totalLag: 4n });
    expect(stopped.partitions).toEqual([
      { topic: topic.name, partition: 0, committed: 5n, end: 9n, lag: 4n },
      { topic: topic.name, partition: 1, committed: 3n, end: 3n, lag: 0n },
    ]);
  }, 60_000);

  it('reports a group the broker does not know as Dead with nothing committed', async () => {
    const groupId = uniqueName('test.lag-unknown');
    expect(await lagOf(groupId)).toEqual({ groupId, state: 'Dead', members: 0, partitions: [], totalLag: 0n });
  });

  it('fails with KafkaUnavailableError when no broker answers', async () => {
    const nowhere = createKafkaClient({ clientId: 'kafka-consumer-lag-test', brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, logger: createLogger({ name: 'kafka-consumer-lag-test', level: 'silent' }) });
    await expect(fetchConsumerLag({ kafka: nowhere, groupIds: ['any'] })).rejects.toBeInstanceOf(KafkaUnavailableError);
  }, 60_000);
});
