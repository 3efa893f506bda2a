/**
 * Tracing benchmark: what a producer pays to carry each record's own trace
 * (`OutgoingRecord.traceContext`, as a batch handler continuing the trace of
 * every record it was handed does) against records that carry the send
 * span's trace. @tributary/kafka's producer writes 1 KB records, 500 per
 * send, to the local Kafka, with tracing registered as services register it
 * with nothing exported (a caller's sampled trace is recorded, a new root
 * trace is not, so the send spans here are not). Three kinds of send alternate each
 * round: every record in the send's trace; every record in a sampled trace of
 * its own (a `create` span each); every record in an unsampled trace of its
 * own (its context injected as is). Reported: the least CPU time per record
 * of any round, which other load on the machine disturbs least, and what a
 * create span adds to it.
 */
import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { BytesValueSchema } from '@bufbuild/protobuf/wkt';
import { createKafkaClient, createProducer, createProtobufCodec, defineTopic, recordTraceContext, type ConsumedRecord, type OutgoingRecord } from '@tributary/kafka';
import { createTestTopics } from '@tributary/kafka/testing';
import { startTracing } from '@tributary/observability';
import { reportResults } from './results.js';

const recordsPerRound = 10_000;
const recordsPerSend = 500;
const rounds = 7;

type Kind = 'send trace' | 'own sampled trace' | 'own unsampled trace';

/** A consumed record carrying only a `traceparent`, as a batch handler is handed them. */
function tracedRecord(sampled: boolean): ConsumedRecord<unknown> {
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${sampled ? '01' : '00'}`;
  return { topic: 'upstream', partition: 0, offset: '0', key: null, value: undefined, headers: { traceparent }, header: (name) => (name === 'traceparent' ? traceparent : undefined), timestamp: new Date() };
}

/** Runs the benchmark against `KAFKA_BROKERS` (default 127.0.0.1:9092) and reports it as `tracing`. */
export async function run(): Promise<void> {
  process.env['LOG_LEVEL'] ??= 'warn';
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  const tracing = startTracing({ serviceName: 'bench-tracing', otlpEndpoint: '' });
  const kafka = createKafkaClient({ clientId: 'bench-tracing' });
  const testTopics = createTestTopics(kafka);
  const producer = createProducer({ kafka, source: '/bench/tracing' });
  const value = create(BytesValueSchema, { value: randomBytes(1024) });
  const least: Record<Kind, number> = { 'send trace': Infinity, 'own sampled trace': Infinity, 'own unsampled trace': Infinity };
  try {
    const topic = await testTopics.create(defineTopic({ name: 'bench.tracing', keyDescription: 'entity id', codec: createProtobufCodec(BytesValueSchema) }));
    await producer.start();
    for (let round = 0; round < rounds; round++) {
      for (const kind of Object.keys(least) as Kind[]) {
        // The contexts are made before the clock starts: a handler has them from its records already.
        const sends = Array.from({ length: recordsPerRound / recordsPerSend }, () =>
          Array.from({ length: recordsPerSend }, (_, i): OutgoingRecord<typeof value> => ({
            key: `k${i % 16}`,
            value,
            ...(kind === 'send trace' ? {} : { traceContext: recordTraceContext(tracedRecord(kind === 'own sampled trace')) }),
          })),
        );
        const before = process.cpuUsage();
        for (const records of sends) await producer.send(topic, records);
        const used = process.cpuUsage(before);
        least[kind] = Math.min(least[kind], (used.user + used.system) / recordsPerRound);
      }
    }
  } finally {
    await producer.close();
    await testTopics.deleteAll();
    await tracing.shutdown();
  }
  reportResults('tracing', [
    { name: 'producer CPU per record, in the send span trace', value: least['send trace'], unit: 'µs' },
    { name: 'producer CPU per record, own sampled trace each', value: least['own sampled trace'], unit: 'µs' },
    { name: 'producer CPU per record, own unsampled trace each', value: least['own unsampled trace'], unit: 'µs' },
    { name: 'create span per record (sampled − send trace)', value: least['own sampled trace'] - least['send trace'], unit: 'µs' },
  ]);
}
