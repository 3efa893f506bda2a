import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { createLogger } from '@tributary/observability';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBytesCodec, createConsumer, createKafkaClient, createProducer, createProtobufCodec, defineTopic, type TopicDefinition } from './index.js';
import { createTestTopics, uniqueName } from './testing/index.js';

const fixture = fileURLToPath(new URL('./testing/blocking-consumer.fixture.ts', import.meta.url));
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

interface KilledMember {
  readonly topic: TopicDefinition<{ value: string }>;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  /** What the member handled before it was killed. */
  readonly handled: readonly string[];
  readonly killedAt: number;
}

/** A topic holding `ids`, and the one member of a new group, killed with -9 while its handler blocked on `blockOn`. */
async function killMemberBlockedOn(ids: readonly string[], blockOn: string, env: Record<string, string> = {}): Promise<KilledMember> {
  const topic = await testTopics.create(defineTopic({ name: 'test.crash', keyDescription: 'id', codec: createProtobufCodec(StringValueSchema), partitions: 1 }));
  const deadLetters = await testTopics.create(defineTopic({ name: 'test.crash-dlq', keyDescription: 'key', codec: createBytesCodec(), partitions: 1 }));
  const producer = createProducer({ kafka, source: '/tests/crash', logger });
  await producer.send(topic, ids.map((id) => ({ key: id, value: create(StringValueSchema, { value: id }) })));
  await producer.close();
  const groupId = uniqueName('test-crash');
  const member = runBlockingConsumer({ ...env, TOPIC: topic.name, GROUP_ID: groupId, DEAD_LETTER_TOPIC: deadLetters.name, BLOCK_ON_ID: blockOn });
  expect(await member.blocked).toBe(blockOn);
  member.child.kill('SIGKILL');
  await once(member.child, 'exit');
  return { topic, deadLetterTopic: deadLetters.name, groupId, handled: member.handled, killedAt: performance.now() };
}

/** A new member of the killed one's group, run until `done` passes. */
async function replaceUntil(killed: KilledMember, handler: (id: string) => void, done: () => void): Promise<void> {
  const { topic, groupId, deadLetterTopic } = killed;
  const replacement = createConsumer({ kafka, topic, groupId, deadLetterTopic, logger, maxWaitTimeMs: 100, handler: async ({ value }) => handler(value.value) });
  try {
    await replacement.start();
    await vi.waitFor(done, { timeout: 30_000, interval: 100 });
  } finally {
    await replacement.close();
  }
}

describe('createConsumer() in a process that is killed', () => {
  it('delivers the record whose handler was killed again to the next member of the group, losing none', async () => {
    const all = Array.from({ length: 10 }, (_, i) => `id-${i}`);
    const killed = await killMemberBlockedOn(all, 'id-5', { SESSION_TIMEOUT_MS: '6000' });
    expect(killed.handled).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);

    const second: string[] = [];
    await replaceUntil(killed, (id) => second.push(id), () => expect(second).toHaveLength(5));
    expect(second).toEqual(['id-5', 'id-6', 'id-7', 'id-8', 'id-9']);
    expect(new Set([...killed.handled, ...second])).toEqual(new Set(all));
  }, 45_000);

  it("hands a killed member's partition to a replacement within the default session timeout (10 s), not 30 s", async () => {
    const killed = await killMemberBlockedOn(['id-0', 'id-1'], 'id-1');
    let takenOverAt: number | undefined;
    await replaceUntil(
      killed,
      (id) => {
        if (id === 'id-1') takenOverAt ??= performance.now();
      },
      () => expect(takenOverAt).toBeDefined(),
    );
    // The group waits for the dead member's session to expire (10 s), then rebalances; a loaded machine adds a few seconds.
    expect(takenOverAt! - killed.killedAt).toBeLessThan(16_000);
  }, 60_000);
});
