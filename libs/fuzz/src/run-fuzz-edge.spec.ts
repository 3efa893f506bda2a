import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertEdgeHolds, FuzzPropertyError, runFuzzEdge } from './index.js';

describe('runFuzzEdge()', () => {
  it('feeds every run to the edge and counts each input that breaks a property', async () => {
    const report = await runFuzzEdge(
      {
        name: 'odd numbers refused',
        input: fc.integer({ min: 0, max: 1000 }),
        check: (n) => {
          if (n % 2 === 1) throw new Error(`${n} is odd`);
        },
      },
      { runs: 400, seed: 7, reportFile: '' },
    );
    expect(report.inputs).toBe(400);
    // About half are odd; the exact count depends only on the seed.
    expect(report.crashes).toBeGreaterThan(100);
    expect(report.crashes).toBeLessThan(300);
    expect(report.failures).toHaveLength(5);
    expect(report.failures[0]?.error).toMatch(/^Error: \d+ is odd$/);
    expect(report.seed).toBe(7);
  });

  it('counts a rejection nobody handled as a crash', async () => {
    const report = await runFuzzEdge(
      {
        name: 'forgotten promise',
        input: fc.constant(1),
        check: () => {
          void Promise.reject(new Error('nobody waited for me'));
        },
      },
      { runs: 3, reportFile: '' },
    );
    expect(report.crashes).toBe(3);
    expect(report.failures[0]).toEqual({ input: '(unhandled, outside any one input)', error: 'Error: nobody waited for me' });
  });

  it('appends its report as a JSON line to the report file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fuzz-spec-'));
    try {
      const reportFile = join(directory, 'report.jsonl');
      const edge = { name: 'always fine', input: fc.boolean(), check: () => undefined };
      await runFuzzEdge(edge, { runs: 10, reportFile });
      await runFuzzEdge(edge, { runs: 20, reportFile });
      const lines = (await readFile(reportFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { edge: string; inputs: number; crashes: number });
      expect(lines.map(({ edge: name, inputs, crashes }) => ({ name, inputs, crashes }))).toEqual([
        { name: 'always fine', inputs: 10, crashes: 0 },
        { name: 'always fine', inputs: 20, crashes: 0 },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('stops an edge at its time limit and reports the inputs it fed', async () => {
    const report = await runFuzzEdge(
      { name: 'slow', input: fc.nat(), check: () => new Promise((resolve) => setTimeout(resolve, 20)) },
      { runs: 100_000, timeLimitS: 1, reportFile: '' },
    );
    expect(report.crashes).toBe(0);
    expect(report.inputs).toBeGreaterThan(5);
    expect(report.inputs).toBeLessThan(100);
  });
});

describe('assertEdgeHolds()', () => {
  it('throws a FuzzPropertyError naming the edge, the count and the seed that replays it', async () => {
    const failing = assertEdgeHolds(
      { name: 'negative refused', input: fc.integer({ min: -5, max: 5 }), check: (n) => expect(n).toBeGreaterThanOrEqual(0) },
      { runs: 100, seed: 42, reportFile: '' },
    );
    await expect(failing).rejects.toBeInstanceOf(FuzzPropertyError);
    await expect(failing).rejects.toThrow(/^negative refused: \d+ of 100 generated inputs broke a property \(replay with FUZZ_SEED=42\)/);
  });

  it('returns the report when every input holds', async () => {
    const report = await assertEdgeHolds({ name: 'fine', input: fc.string(), check: (s) => expect(typeof s).toBe('string') }, { runs: 50, reportFile: '' });
    expect(report).toMatchObject({ edge: 'fine', inputs: 50, crashes: 0, failures: [] });
  });
});
