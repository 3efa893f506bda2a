import { SpanStatusCode } from '@opentelemetry/api';
import { withSpan } from '@tributary/observability';
import { startTestTracing } from '@tributary/observability/testing';
import { Code } from '@tributary/errors';
import { describe, expect, it, vi } from 'vitest';
import { DeadlineExceededError, InvalidInputError, OverloadedError } from './errors.js';
import { createMicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
import type { BatchResult } from './onnx-worker-pool.js';

/** A model that answers each row's first value, after `delayMs`, recording the batch sizes it saw. */
function echoModel(delayMs = 0) {
  const batches: number[] = [];
  const run = async (values: Float32Array, rowCount: number): Promise<BatchResult> => {
    batches.push(rowCount);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const width = values.length / rowCount;
    return { probabilities: Float64Array.from({ length: rowCount }, (_, r) => values[r * width] as number), computeNs: 1_000 };
  };
  return { batches, run };
}

/** A model whose runs all wait until `open()`, recording the batch sizes it saw. */
function gatedModel() {
  const batches: number[] = [];
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const echo = echoModel();
  const run = async (values: Float32Array, rowCount: number): Promise<BatchResult> => {
    batches.push(rowCount);
    await gate;
    return echo.run(values, rowCount);
  };
  return { batches, run, open: () => open() };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const options = (run: MicroBatcherOptions['run'], overrides: Partial<MicroBatcherOptions> = {}): MicroBatcherOptions => ({
  name: 'm v1',
  featureCount: 2,
  maxBatchSize: 8,
  maxQueueDelayMs: 0,
  maxQueuedRows: 100,
  maxInFlightBatches: 1,
  run,
  ...overrides,
});

describe('createMicroBatcher()', () => {
  it('runs the rows submitted together as one batch and answers each its own row', async () => {
    const model = echoModel();
    const batcher = createMicroBatcher(options(model.run));
    const answers = await Promise.all([0.1, 0.2, 0.3].map((v) => batcher.submit([v, 9], Date.now() + 1_000)));
    expect(answers.map((a) => Math.round(a * 10) / 10)).toEqual([0.1, 0.2, 0.3]);
    expect(model.batches).toEqual([3]);
  });

  it('runs rows submitted by separate callbacks of one event-loop turn (requests read from the sockets at once) as one batch', async () => {
    const model = echoModel();
    const batcher = createMicroBatcher(options(model.run));
    const answers = await new Promise<Promise<number>[]>((resolve) => {
      const submitted: Promise<number>[] = [];
      setImmediate(() => submitted.push(batcher.submit([0.1, 9], Date.now() + 1_000)));
      setImmediate(() => resolve([...submitted, batcher.submit([0.2, 9], Date.now() + 1_000)]));
    });
    expect((await Promise.all(answers)).map((a) => Math.round(a * 10) / 10)).toEqual([0.1, 0.2]);
    expect(model.batches).toEqual([2]);
  });

  it('never makes a batch larger than maxBatchSize, and batches what queued while the worker was busy', async () => {
    const model = echoModel(20);
    const batcher = createMicroBatcher(options(model.run, { maxBatchSize: 4 }));
    const first = batcher.submit([1, 1], Date.now() + 5_000);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 10 }, () => batcher.submit([1, 1], Date.now() + 5_000));
    await Promise.all([first, ...rest]);
    expect(model.batches).toEqual([1, 4, 4, 2]);
  });

  it('shares rows submitted together evenly among the idle workers, so their runs end together', async () => {
    const model = echoModel();
    const batcher = createMicroBatcher(options(model.run, { maxBatchSize: 64, maxInFlightBatches: 2 }));
    await Promise.all(Array.from({ length: 100 }, () => batcher.submit([1, 1], Date.now() + 5_000)));
    expect(model.batches).toEqual([50, 50]);
  });

  it('dispatches a lone row at once when a worker is idle, without waiting maxQueueDelayMs', async () => {
    const model = echoModel();
    const batcher = createMicroBatcher(options(model.run, { maxQueueDelayMs: 60_000 }));
    const answer = batcher.submit([0.5, 1], Date.now() + 5_000);
    await nextTurn();
    expect(model.batches).toEqual([1]);
    expect(await answer).toBe(0.5);
  });

  it('while every worker is busy, accumulates rows into one batch that leaves as soon as a worker frees up', async () => {
    const model = gatedModel();
    const batcher = createMicroBatcher(options(model.run, { maxQueueDelayMs: 60_000 }));
    const first = batcher.submit([1, 1], Date.now() + 5_000);
    await nextTurn();
    const rest = Array.from({ length: 5 }, () => batcher.submit([1, 1], Date.now() + 5_000));
    await nextTurn();
    expect(model.batches).toEqual([1]);
    expect(batcher.queuedRows).toBe(5);
    model.open();
    await Promise.all([first, ...rest]);
    expect(model.batches).toEqual([1, 5]);
  });

  it('hands one waiting batch per worker over once maxQueueDelayMs passed while every worker stays busy', async () => {
    const model = gatedModel();
    const batcher = createMicroBatcher(options(model.run, { maxQueueDelayMs: 5, maxBatchSize: 1 }));
    const first = batcher.submit([1, 1], Date.now() + 5_000);
    await nextTurn();
    const rest = Array.from({ length: 3 }, () => batcher.submit([1, 1], Date.now() + 5_000));
    await vi.waitFor(() => expect(model.batches).toEqual([1, 1]));
    await new Promise((resolve) => setTimeout(resolve, 30)); // more delays pass: the rest stays queued, where shedding sees it
    expect(model.batches).toEqual([1, 1]);
    expect(batcher.queuedRows).toBe(2);
    model.open();
    await Promise.all([first, ...rest]);
  });

  it('never sheds a row with nothing queued ahead for its estimated wait, however slow the recent batches were', async () => {
    let delayMs = 200;
    const batcher = createMicroBatcher(
      options(
        async (values, rows) => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return echoModel().run(values, rows);
        },
        { maxBatchSize: 2 },
      ),
    );
    await Promise.all([batcher.submit([1, 1], Date.now() + 5_000), batcher.submit([1, 1], Date.now() + 5_000)]);
    expect(batcher.batchMs).toBeGreaterThan(150); // a batch takes longer than the next row's whole budget
    delayMs = 0;
    expect(await batcher.submit([0.25, 1], Date.now() + 150)).toBe(0.25);
  });

  it('rejects an in-flight row at its deadline, without waiting for the run to end', async () => {
    const model = gatedModel();
    const batcher = createMicroBatcher(options(model.run));
    const error = await batcher.submit([1, 1], Date.now() + 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/model run/);
    model.open();
  });

  it('sheds at once when the queue holds maxQueuedRows', async () => {
    const model = echoModel(50);
    const batcher = createMicroBatcher(options(model.run, { maxQueuedRows: 3, maxBatchSize: 1 }));
    const accepted = Array.from({ length: 4 }, () => batcher.submit([1, 1], Date.now() + 5_000));
    await expect(batcher.submit([1, 1], Date.now() + 5_000)).rejects.toBeInstanceOf(OverloadedError);
    await Promise.all(accepted);
  });

  it('rejects a queued row at its deadline, without waiting for the batch ahead', async () => {
    const model = echoModel(300);
    const batcher = createMicroBatcher(options(model.run, { maxBatchSize: 1 }));
    const busy = batcher.submit([1, 1], Date.now() + 5_000);
    const late = batcher.submit([1, 1], Date.now() + 30);
    const error = await late.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/batch queue/);
    expect(batcher.queuedRows).toBe(0);
    await busy;
    expect(model.batches).toEqual([1]); // the expired row never ran
  });

  it('sheds a row whose deadline the batches ahead would outlast, once full batches were timed', async () => {
    const model = echoModel(40);
    const batcher = createMicroBatcher(options(model.run, { maxBatchSize: 2 }));
    await Promise.all([batcher.submit([1, 1], Date.now() + 5_000), batcher.submit([1, 1], Date.now() + 5_000)]);
    const ahead = Array.from({ length: 6 }, () => batcher.submit([1, 1], Date.now() + 5_000));
    await expect(batcher.submit([1, 1], Date.now() + 50)).rejects.toThrow(/would outlast the deadline/);
    await Promise.all(ahead);
  });

  it('under a flood past its queue, answers a row in time, sheds it at once with RESOURCE_EXHAUSTED, or rejects it at its deadline — never later', async () => {
    const model = echoModel(40);
    const batcher = createMicroBatcher(options(model.run, { maxBatchSize: 4, maxQueuedRows: 12, maxInFlightBatches: 2 }));
    // A slack for timers on a loaded machine: an outcome is 'at once' or 'at the deadline' within it, never a whole batch later.
    const slackMs = 20;
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const submittedAt = Date.now();
        const deadlineAtMs = submittedAt + 150 + (i % 5) * 10;
        try {
          await batcher.submit([1, 1], deadlineAtMs);
          return { kind: 'answered', late: Date.now() - deadlineAtMs };
        } catch (error) {
          if (error instanceof OverloadedError) return { kind: 'shed', code: error.code, after: Date.now() - submittedAt };
          if (error instanceof DeadlineExceededError) return { kind: 'expired', late: Date.now() - deadlineAtMs };
          return { kind: 'failed', error };
        }
      }),
    );
    const of = (kind: string) => outcomes.filter((o) => o.kind === kind);
    expect(of('failed')).toEqual([]);
    expect(of('answered').length).toBeGreaterThan(0);
    expect(of('shed').length).toBeGreaterThan(100);
    for (const o of of('shed')) expect(o).toMatchObject({ code: Code.ResourceExhausted, after: expect.any(Number) });
    expect(Math.max(...of('shed').map((o) => (o as { after: number }).after))).toBeLessThan(slackMs);
    for (const o of [...of('answered'), ...of('expired')]) expect((o as { late: number }).late).toBeLessThanOrEqual(slackMs);
    expect(batcher.pendingRows).toBe(0);
  });

  it('refuses a row of the wrong width', async () => {
    const batcher = createMicroBatcher(options(echoModel().run));
    await expect(batcher.submit([1, 2, 3], Date.now() + 1_000)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('fails every row of a batch whose run failed, and keeps running the next', async () => {
    let fail = true;
    const model = echoModel();
    const batcher = createMicroBatcher(
      options(async (values, rows) => {
        if (fail) throw new Error('boom');
        return model.run(values, rows);
      }),
    );
    const failed = await Promise.allSettled([batcher.submit([1, 1], Date.now() + 1_000), batcher.submit([1, 1], Date.now() + 1_000)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.submit([0.5, 1], Date.now() + 1_000)).toBe(0.5);
  });

  it('gives each row a model run span in the trace of the request that submitted it, though the rows share one run', async () => {
    const tracing = startTestTracing('micro-batcher-spec');
    try {
      let fail = false;
      const model = echoModel();
      const batcher = createMicroBatcher(options(async (values, rows) => (fail ? Promise.reject(new Error('onnx failed')) : model.run(values, rows))));
      const requests = await Promise.all(
        [0.1, 0.2].map((v) => withSpan(`predict ${v}`, async (span) => (await batcher.submit([v, 9], Date.now() + 1_000), span.spanContext()))),
      );
      fail = true;
      await expect(withSpan('predict failing', () => batcher.submit([0.3, 9], Date.now() + 1_000))).rejects.toThrow('onnx failed');

      expect(model.batches).toEqual([2]);
      const runs = tracing.spans().filter((span) => span.name === 'model run');
      expect(runs.map((span) => span.parentSpanContext?.spanId)).toEqual([...requests.map((request) => request.spanId), expect.any(String)]);
      expect(runs.map((span) => span.spanContext().traceId).slice(0, 2)).toEqual(requests.map((request) => request.traceId));
      expect(runs.map((span) => span.attributes['tributary.model.batch_rows'])).toEqual([2, 2, 1]);
      expect(runs.map((span) => span.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    } finally {
      await tracing.shutdown();
    }
  });
});
