import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBytesCodec, createKafkaClient, defineTopic, ensureTopics } from './index.js';
import { uniqueName } from './testing/index.js';

describe('ensureTopics()', () => {
  const kafka = createKafkaClient({ clientId: 'kafka-ensure-topics-test' });
  let admin: Admin;
  const created: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (created.length > 0) await admin.deleteTopics({ topics: created });
    await admin.disconnect();
  });

  function testTopic(partitions: number) {
    const topic = defineTopic({ name: uniqueName('test.ensure'), keyDescription: 'id', codec: createBytesCodec(), partitions, retentionMs: 3_600_000 });
    created.push(topic.name);
    return topic;
  }

  it('creates missing topics with their partitions, retention and cleanup policy', async () => {
    const topic = testTopic(2);
    expect(await ensureTopics(kafka, [topic])).toEqual({ created: [topic.name], grown: [] });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic.name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    const configs = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic.name, configNames: ['retention.ms', 'cleanup.policy'] }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(configs.resources[0]?.configEntries.map((entry) => [entry.configName, entry.configValue]) ?? []);
    expect(entries).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
  });

  it('changes nothing the second time', async () => {
    const topic = testTopic(1);
    await ensureTopics(kafka, [topic]);
    expect(await ensureTopics(kafka, [topic])).toEqual({ created: [], grown: [] });
  });

  it('grows an existing topic that has fewer partitions than defined', async () => {
    const small = testTopic(1);
    await ensureTopics(kafka, [small]);
    expect(await ensureTopics(kafka, [{ ...small, partitions: 3 }])).toEqual({ created: [], grown: [small.name] });
    const metadata = await admin.fetchTopicMetadata({ topics: [small.name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });
});
