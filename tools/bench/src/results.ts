import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured number with its unit, and the target it is held against, if any. */
export interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** e.g. "≥ 50000" or "≤ 0.5"; printed beside the value. */
  readonly target?: string;
}

/** Percentile (0–100) of unsorted samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Options of {@link reportResults}. */
export interface ReportResultsOptions {
  /** Directory of the JSON file. Default `bench-results` (at the workspace root). */
  readonly outDir?: string;
  /** How the numbers were taken, written beside them: the load generator, the machine's load average… Default: none. */
  readonly conditions?: Readonly<Record<string, string | number>>;
}

/**
 * Prints a benchmark's numbers as a table and writes them, with the time,
 * machine and conditions they came from, to `bench-results/<benchmark>.json`.
 */
export function reportResults(benchmark: string, measurements: readonly Measurement[], options: ReportResultsOptions = {}): string {
  const { outDir = 'bench-results', conditions } = options;
  console.log(`\n${benchmark}`);
  for (const m of measurements) {
    const value = Number.isInteger(m.value) ? m.value.toString() : m.value.toFixed(3);
    console.log(`  ${m.name.padEnd(48)} ${value.padStart(12)} ${m.unit.padEnd(10)} ${m.target ? `target ${m.target}` : ''}`);
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${benchmark}.json`);
  const os = { node: process.version, platform: process.platform, arch: process.arch };
  if (conditions) console.log(`  ${Object.entries(conditions).map(([key, value]) => `${key}: ${value}`).join(', ')}`);
  writeFileSync(file, JSON.stringify({ benchmark, at: new Date().toISOString(), os, ...(conditions ? { conditions } : {}), measurements }, null, 2) + '\n');
  console.log(`  → ${file}`);
  return file;
}
