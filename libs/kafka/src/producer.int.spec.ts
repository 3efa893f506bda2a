import { fromJson, toJson } from '@bufbuild/protobuf';
import { StructSchema } from '@bufbuild/protobuf/wkt';
import { afterAll, describe, expect, it } from 'vitest';
import { createBytesCodec, createKafkaClient, createProducer, createProtobufCodec, defineTopic, KafkaClosedError } from './index.js';
import { createTestTopics, readRecords } from './testing/index.js';

const kafka = createKafkaClient({ clientId: 'kafka-producer-test' });
const testTopics = createTestTopics(kafka);
const structs = defineTopic({ name: 'test.producer', keyDescription: 'entity id', codec: createProtobufCodec(StructSchema), eventType: 'test.thing.seen' });

describe('createProducer()', () => {
  const producer = createProducer({ kafka, source: '/tests/producer', compression: 'gzip' });

  afterAll(async () => {
    await producer.close();
    await testTopics.deleteAll();
  });

  it('writes many records in one send with CloudEvents headers and protobuf values', async () => {
    const topic = await testTopics.create(structs);
    const time = new Date('2001-01-01T06:00:00.000Z');
    const records = Array.from({ length: 50 }, (_, i) => ({ key: `entity-${i}`, value: fromJson(StructSchema, { n: i }) }));
    await producer.send(topic, [...records.slice(0, 49), { ...records[49]!, id: 'fixed-id', type: 'test.special', time, headers: { tenant: 'a' } }]);

    const read = await readRecords(kafka, topic.name, 50);
    expect(read).toHaveLength(50);
    const byKey = new Map(read.map((record) => [record.key, record]));
    const first = byKey.get('entity-0')!;
    expect(toJson(StructSchema, topic.codec.decode(first.value!))).toEqual({ n: 0 });
    expect(first.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'test.thing.seen',
      ce_source: '/tests/producer',
      'content-type': 'application/protobuf',
    });
    expect(first.headers['ce_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(first.headers['ce_time']!)).not.toBeNaN();
    expect(byKey.get('entity-49')!.headers).toMatchObject({ ce_id: 'fixed-id', ce_type: 'test.special', ce_time: time.toISOString(), tenant: 'a' });
    expect(new Set(read.map((record) => record.headers['ce_id'])).size).toBe(50);
  });

  it('lets a record state its own content type', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.raw', keyDescription: 'entity id', codec: createBytesCodec() }));
    await producer.send(topic, [{ key: 'k', value: new TextEncoder().encode('{"a":1}'), contentType: 'application/json' }]);
    const [record] = await readRecords(kafka, topic.name, 1);
    expect(record?.headers['content-type']).toBe('application/json');
    expect(record?.value?.toString()).toBe('{"a":1}');
  });

  it('refuses to send after close()', async () => {
    const closed = createProducer({ kafka, source: '/tests/producer' });
    await closed.start();
    await closed.close();
    await closed.close();
    await expect(closed.send(structs, [{ value: fromJson(StructSchema, {}) }])).rejects.toBeInstanceOf(KafkaClosedError);
  });
});
