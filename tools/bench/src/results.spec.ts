import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { percentile, reportResults } from './results.js';

describe('percentile()', () => {
  it('uses the nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('reportResults()', () => {
  it('writes the measurements to <benchmark>.json', () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const file = reportResults('demo', [{ name: 'x', value: 1.5, unit: 'ms', target: '≤ 2' }], { outDir: dir });
    const written = JSON.parse(readFileSync(file, 'utf8')) as { measurements: unknown[]; conditions?: unknown };
    expect(written.measurements).toEqual([{ name: 'x', value: 1.5, unit: 'ms', target: '≤ 2' }]);
    expect(written.conditions).toBeUndefined();
  });

  it('writes the conditions the numbers were taken in beside them', () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const file = reportResults('demo', [], { outDir: dir, conditions: { loadGenerator: 'ghz v0.120.0', loadAverage1mMax: 3.5 } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ conditions: { loadGenerator: 'ghz v0.120.0', loadAverage1mMax: 3.5 } });
  });
});
