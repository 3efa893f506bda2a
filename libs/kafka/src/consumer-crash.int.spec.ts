import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { createLogger } from '@tributary/observability';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBytesCodec, createConsumer, createKafkaClient, createProducer, createProtobufCodec, defineTopic } from './index.js';
import { createTestTopics, uniqueName } from './testing/index.js';

const fixture = fileURLToPath(new URL('./fixtures/blocking-consumer.fixture.ts', import.meta.url));
const kafka = createKafkaClient({ clientId: 'kafka-crash-test' });
const logger = createLogger({ name: 'kafka-crash-test', level: 'error' });
const testTopics = createTestTopics(kafka);
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await testTopics.deleteAll();
});

/** Runs the blocking consumer fixture in its own Node process and reports what it prints. */
function runBlockingConsumer(env: Record<string, string>): { child: ChildProcess; handled: string[]; blocked: Promise<string> } {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const handled: string[] = [];
  const blocked = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`consumer process exited early (${code ?? signal})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { handled?: string; blocked?: string };
      if (event.handled) handled.push(event.handled);
      if (event.blocked) resolve(event.blocked);
    });
  });
  return { child, handled, blocked };
}

describe('createConsumer() in a process that is killed', () => {
  it('delivers the record whose handler was killed again to the next member of the group, losing none', async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.crash', keyDescription: 'id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
    const deadLetters = await testTopics.create(defineTopic({ name: 'test.crash-dlq', keyDescription: 'key', codec: createBytesCodec(), partitions: 1 }));
    const producer = createProducer({ kafka, source: '/tests/crash', logger });
    const all = Array.from({ length: 10 }, (_, i) => `id-${i}`);
    await producer.send(topic, all.map((id) => ({ key: id, value: create(StringValueSchema, { value: id }) })));
    await producer.close();
    const groupId = uniqueName('test-crash');

    const first = runBlockingConsumer({ TOPIC: topic.name, GROUP_ID: groupId, DEAD_LETTER_TOPIC: deadLetters.name, BLOCK_ON_ID: 'id-5', SESSION_TIMEOUT_MS: '6000' });
    expect(await first.blocked).toBe('id-5');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(first.handled).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);

    const second: string[] = [];
    const restarted = createConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic: deadLetters.name,
      logger,
      maxWaitTimeMs: 100,
      handler: async ({ value }) => void second.push(value.value),
    });
    try {
      await restarted.start();
      await vi.waitFor(() => expect(second).toHaveLength(5), { timeout: 25_000, interval: 100 });
    } finally {
      await restarted.close();
    }
    expect(second).toEqual(['id-5', 'id-6', 'id-7', 'id-8', 'id-9']);
    expect(new Set([...first.handled, ...second])).toEqual(new Set(all));
  }, 45_000);

  it("hands a killed member's partition to a replacement within the default session timeout (10 s), not 30 s", async () => {
    const topic = await testTopics.create(defineTopic({ name: 'test.failover', keyDescription: 'id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
    const deadLetters = await testTopics.create(defineTopic({ name: 'test.failover-dlq', keyDescription: 'key', codec: createBytesCodec(), partitions: 1 }));
    const producer = createProducer({ kafka, source: '/tests/failover', logger });
    await producer.send(topic, ['id-0', 'id-1'].map((id) => ({ key: id, value: create(StringValueSchema, { value: id }) })));
    await producer.close();
    const groupId = uniqueName('test-failover');
    const first = runBlockingConsumer({ TOPIC: topic.name, GROUP_ID: groupId, DEAD_LETTER_TOPIC: deadLetters.name, BLOCK_ON_ID: 'id-1' });
    expect(await first.blocked).toBe('id-1');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const killedAt = performance.now();

    let takenOverAt: number | undefined;
    const replacement = createConsumer({
      kafka,
      topic,
      groupId,
      deadLetterTopic: deadLetters.name,
      logger,
      maxWaitTimeMs: 100,
      handler: async ({ value }) => {
        if (value.value === 'id-1') takenOverAt ??= performance.now();
      },
    });
    try {
      await replacement.start();
      await vi.waitFor(() => expect(takenOverAt).toBeDefined(), { timeout: 30_000, interval: 100 });
    } finally {
      await replacement.close();
    }
    // The group waits for the dead member's session to expire (10 s), then rebalances; a loaded machine adds a few seconds.
    expect(takenOverAt! - killedAt).toBeLessThan(16_000);
  }, 60_000);
});
