import { setTimeout as sleep } from 'node:timers/promises';
import { Code } from '@tributary/errors';
import { getMetricsRegistry } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { BulkheadFullError, createBulkhead } from './index.js';

/** A task the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, task: () => opened.then(() => 'done') };
}

describe('createBulkhead()', () => {
  it('runs at most maxConcurrent calls and queues the next ones in order', async () => {
    const bulkhead = createBulkhead('spec-order', { maxConcurrent: 2, maxQueued: 2 });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((entry, index) => bulkhead.run(() => (started.push(index), entry.task())));
    await sleep(0);
    expect(started).toEqual([0, 1]);
    expect([bulkhead.active, bulkhead.queued]).toEqual([2, 2]);
    gates[1]?.open();
    await sleep(0);
    expect(started).toEqual([0, 1, 2]);
    for (const entry of gates) entry.open();
    await expect(Promise.all(runs)).resolves.toEqual(['done', 'done', 'done', 'done']);
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('refuses with a retryable RESOURCE_EXHAUSTED when running and queued calls are full', async () => {
    const bulkhead = createBulkhead('spec-full', { maxConcurrent: 1, maxQueued: 1 });
    const first = gate();
    const running = bulkhead.run(first.task);
    const waiting = bulkhead.run(() => Promise.resolve('queued'));
    const error = await bulkhead.run(() => Promise.resolve('refused')).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(BulkheadFullError);
    expect(error).toMatchObject({ code: Code.ResourceExhausted, retryable: true, reason: 'queue-full', bulkhead: 'spec-full' });
    first.open();
    await expect(Promise.all([running, waiting])).resolves.toEqual(['done', 'queued']);
  });

  it('refuses a call that waited longer than maxQueueWaitMs', async () => {
    const bulkhead = createBulkhead('spec-wait', { maxConcurrent: 1, maxQueued: 5, maxQueueWaitMs: 20 });
    const first = gate();
    const running = bulkhead.run(first.task);
    await expect(bulkhead.run(() => Promise.resolve('late'))).rejects.toMatchObject({ reason: 'queue-timeout' });
    expect(bulkhead.queued).toBe(0);
    first.open();
    await running;
  });

  it('frees the slot when a call fails', async () => {
    const bulkhead = createBulkhead('spec-fail', { maxConcurrent: 1 });
    await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('exports active and queued calls and rejections', async () => {
    const bulkhead = createBulkhead('spec-metrics', { maxConcurrent: 1, maxQueued: 1 });
    const first = gate();
    const running = bulkhead.run(first.task);
    const waiting = bulkhead.run(() => Promise.resolve('queued'));
    await bulkhead.run(() => Promise.resolve('refused')).catch(() => undefined);
    const value = async (metric: string) =>
      (await getMetricsRegistry().getSingleMetric(metric)?.get())?.values.find((entry) => entry.labels['bulkhead'] === 'spec-metrics')?.value;
    expect([await value('tributary_bulkhead_active'), await value('tributary_bulkhead_queued')]).toEqual([1, 1]);
    expect(await value('tributary_bulkhead_rejected_total')).toBe(1);
    first.open();
    await Promise.all([running, waiting]);
    expect([await value('tributary_bulkhead_active'), await value('tributary_bulkhead_queued')]).toEqual([0, 0]);
  });

  it('refuses a maxConcurrent below 1', () => {
    expect(() => createBulkhead('spec-bad', { maxConcurrent: 0 })).toThrow(RangeError);
  });
});
