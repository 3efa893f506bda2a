import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger, getMetricsRegistry } from '@tributary/observability';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BreakerOpenError,
  BreakerShutdownError,
  BreakerTimeoutError,
  createBreaker,
  type Breaker,
  type BreakerOptions,
} from './index.js';

const logger = createLogger({ name: 'breaker-spec', level: 'silent' });
const breakers: Pick<Breaker<[], unknown>, 'shutdown'>[] = [];
const down = () => new TributaryError(Code.Unavailable, 'dependency down');

/** A breaker with a unique name around an action whose outcome the test switches. */
function switchable(options: BreakerOptions<[], string> = {}) {
  let failing = true;
  let calls = 0;
  const name = `spec-${randomUUID().slice(0, 8)}`;
  const breaker = createBreaker(
    name,
    async () => {
      calls++;
      if (failing) throw down();
      return 'ok';
    },
    { volumeThreshold: 4, resetTimeoutMs: 100, logger, ...options },
  );
  breakers.push(breaker);
  return {
    breaker,
    name,
    heal: () => void (failing = false),
    calls: () => calls,
  };
}

async function metricValue(metric: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = (await getMetricsRegistry().getSingleMetric(metric)?.get())?.values ?? [];
  return values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label))?.value;
}

async function failTimes(breaker: Breaker<[], string>, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.fire().catch(() => undefined);
}

afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
});

describe('createBreaker()', () => {
  it('stays closed below the volume threshold and opens once failures pass it', async () => {
    const { breaker } = switchable();
    await failTimes(breaker, 3);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('fails fast with a retryable UNAVAILABLE BreakerOpenError while open', async () => {
    const { breaker, name, calls } = switchable();
    await failTimes(breaker, 4);
    const before = calls();
    const error = await breaker.fire().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toMatchObject({ code: Code.Unavailable, retryable: true, breaker: name });
    expect(calls()).toBe(before);
  });

  it('half-opens after the reset timeout and closes on a successful trial call', async () => {
    const { breaker, heal } = switchable();
    await failTimes(breaker, 4);
    await sleep(150);
    expect(breaker.state).toBe('half-open');
    heal();
    await expect(breaker.fire()).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('opens again when the trial call fails', async () => {
    const { breaker } = switchable();
    await failTimes(breaker, 4);
    await sleep(150);
    await expect(breaker.fire()).rejects.toMatchObject({ code: Code.Unavailable, message: 'dependency down' });
    expect(breaker.state).toBe('open');
  });

  it('does not count caller errors such as INVALID_ARGUMENT', async () => {
    let calls = 0;
    const breaker = createBreaker(
      `spec-${randomUUID().slice(0, 8)}`,
      async () => {
        calls++;
        throw new TributaryError(Code.InvalidArgument, 'bad features');
      },
      { volumeThreshold: 2, logger },
    );
    breakers.push(breaker);
    for (let i = 0; i < 10; i++) await expect(breaker.fire()).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(breaker.state).toBe('closed');
    expect(calls).toBe(10);
  });

  it('fails a slow call with BreakerTimeoutError and counts it', async () => {
    const name = `spec-${randomUUID().slice(0, 8)}`;
    const breaker = createBreaker(name, () => sleep(200).then(() => 'late'), { timeoutMs: 20, logger });
    breakers.push(breaker);
    await expect(breaker.fire()).rejects.toBeInstanceOf(BreakerTimeoutError);
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'timeout' })).toBe(1);
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'failure' })).toBe(1);
  });

  it('exports the state gauge and outcome counters as the state changes', async () => {
    const { breaker, name, heal } = switchable();
    expect(await metricValue('tributary_breaker_state', { breaker: name })).toBe(0);
    await failTimes(breaker, 5);
    expect(await metricValue('tributary_breaker_state', { breaker: name })).toBe(2);
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'failure' })).toBe(4);
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'reject' })).toBe(1);
    await sleep(150);
    expect(await metricValue('tributary_breaker_state', { breaker: name })).toBe(1);
    heal();
    await breaker.fire();
    expect(await metricValue('tributary_breaker_state', { breaker: name })).toBe(0);
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'success' })).toBe(1);
  });

  it('logs each state change', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const { breaker, name, heal } = switchable({ logger: createLogger({ name: 'breaker-spec', destination: stream }) });
    await failTimes(breaker, 4);
    await sleep(150);
    heal();
    await breaker.fire();
    const messages = lines.map((line) => JSON.parse(line) as { msg: string; breaker: string; level: string });
    expect(messages.map(({ msg, level }) => `${level} ${msg}`)).toEqual([
      'warn circuit breaker opened',
      'info circuit breaker half-open; letting a trial call through',
      'info circuit breaker closed',
    ]);
    expect(messages.every((message) => message.breaker === name)).toBe(true);
  });

  it('answers with the fallback on failure and refusal, counting it', async () => {
    const { breaker, name } = switchable({ fallback: (error: unknown) => `fallback after ${(error as Error).name}` });
    await expect(breaker.fire()).resolves.toBe('fallback after TributaryError');
    await failTimes(breaker, 3);
    await expect(breaker.fire()).resolves.toBe('fallback after BreakerOpenError');
    expect(await metricValue('tributary_breaker_events_total', { breaker: name, event: 'fallback' })).toBe(5);
  });

  it('refuses calls after shutdown, which is idempotent', async () => {
    const { breaker } = switchable();
    breaker.shutdown();
    breaker.shutdown();
    await expect(breaker.fire()).rejects.toBeInstanceOf(BreakerShutdownError);
  });
});
