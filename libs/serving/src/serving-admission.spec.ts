import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORD_LAX, registryWithChampion, requestMaker, trainFlightModels } from './testing/served-models.fixture.js';
import { createServingPipeline, OverloadedError, type ServingPipeline } from './index.js';
import { blockEventLoop, createFaultInjector } from './testing/index.js';

const request = requestMaker('adm');

describe('admission: the most requests a pipeline works on at once', { timeout: 60_000 }, () => {
  const faults = createFaultInjector();
  let pipeline: ServingPipeline;

  beforeAll(async () => {
    const { registry } = await registryWithChampion(trainFlightModels());
    pipeline = createServingPipeline({
      registry,
      faults,
      execution: { maxInFlightRequests: 4 },
      resilience: { primaryBudgetMs: 5_000, fallbackBudgetMs: 5_000 },
    });
    await pipeline.start();
  });

  afterAll(() => pipeline.close());

  it('sheds what is beyond the limit at once, answers what it accepted, and takes requests again once they are done', async () => {
    faults.primaryDelayMs = 400;
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        pipeline.predict(request({ flight: { ...ORD_LAX, distanceMiles: 100 + i } }, 10_000)).then(
          (answer) => ({ answer, ms: performance.now() - started }),
          (error: unknown) => ({ error, ms: performance.now() - started }),
        ),
      ),
    );
    faults.primaryDelayMs = 0;
    const answered = outcomes.filter((o) => 'answer' in o);
    const shed = outcomes.filter((o) => 'error' in o);
    expect(answered).toHaveLength(4);
    expect(answered.every((o) => 'answer' in o && o.answer.tier === 'primary')).toBe(true);
    expect(shed).toHaveLength(6);
    for (const o of shed) {
      expect((o as { error: unknown }).error).toBeInstanceOf(OverloadedError);
      expect(((o as { error: Error }).error).message).toMatch(/4 calls in flight/);
      // Shed before any work: long before the accepted ones, held up by the injected delay, could answer.
      expect(o.ms).toBeLessThan(300);
    }
    const after = await pipeline.predict(request({ flight: ORD_LAX }));
    expect(after.tier).toBe('primary');
  });

  it('counts a batch as one call: ten rows pass a limit of four, and a full pipeline refuses the whole batch at once', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => request({ flight: { ...ORD_LAX, distanceMiles: 300 + i } }, 10_000));
    const answers = await pipeline.predictMany(rows);
    expect(answers.every((a) => !(a instanceof Error) && a.tier === 'primary')).toBe(true);

    faults.primaryDelayMs = 400;
    const busy = Array.from({ length: 4 }, (_, i) => pipeline.predict(request({ flight: { ...ORD_LAX, distanceMiles: 400 + i } }, 10_000)));
    const started = performance.now();
    await expect(pipeline.predictMany(rows)).rejects.toBeInstanceOf(OverloadedError);
    expect(performance.now() - started).toBeLessThan(300);
    await Promise.all(busy);
    faults.primaryDelayMs = 0;
  });

  it('sheds with OverloadedError while the event loop runs too late for the deadline, and takes requests again once it caught up', async () => {
    // A flood the loop cannot keep up with: it stays behind turn after turn (requests would wait unread in the socket).
    for (let i = 0; i < 4; i++) {
      blockEventLoop(100);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const shed = await pipeline.predict(request({ flight: ORD_LAX }, 500)).catch((error: unknown) => error);
    expect(shed).toBeInstanceOf(OverloadedError);
    expect((shed as Error).message).toMatch(/event loop runs \d+ ms behind/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await pipeline.predict(request({ flight: ORD_LAX }, 10_000));
    expect(after.tier).toBe('primary');
  });
});
