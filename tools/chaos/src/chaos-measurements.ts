/** The suite's numbers for `bench-results/chaos.json`, in the benchmarks' file format. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { totalDifferences } from './feature-comparison.js';
import type { ScenarioResult } from './run-scenario.js';

/** One number, as every benchmark writes it. */
export interface ChaosMeasurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
}

/** Per scenario: recovery, lost, duplicated, good records dead-lettered, feature rows differing, and any extra invariant. */
export function chaosMeasurements(results: readonly ScenarioResult[]): ChaosMeasurement[] {
  return results.flatMap((result) => {
    const s = result.scenario;
    const differing = result.features
      ? [totalDifferences(result.features.offline), totalDifferences(result.features.online)].reduce(
          (sum, d) => sum + d.missing + d.extra + d.lower + d.higher + d.mixed,
          0,
        )
      : Number.NaN;
    return [
      { name: `${s} recovery s`, value: Number(result.recoveryS.toFixed(1)), unit: 's' },
      { name: `${s} lost`, value: result.raw.lost, unit: 'events', target: '0' },
      { name: `${s} duplicated`, value: result.raw.duplicated, unit: 'events', target: '0' },
      { name: `${s} good records dead-lettered`, value: result.deadLetters.goodRecords, unit: 'records', target: '0' },
      { name: `${s} feature rows differing`, value: differing, unit: 'rows', target: '0' },
      ...result.extra.map((invariant) => ({ name: `${s} ${invariant.name}`, value: invariant.value, unit: '' })),
    ];
  });
}

/** Writes `<outDir>/chaos.json` (time, machine, measurements, and the run's seed and slice); returns its path. */
export function writeChaosResults(measurements: readonly ChaosMeasurement[], run: Readonly<Record<string, unknown>>, outDir = 'bench-results'): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'chaos.json');
  const os = { node: process.version, platform: process.platform, arch: process.arch };
  writeFileSync(file, JSON.stringify({ benchmark: 'chaos', at: new Date().toISOString(), os, run, measurements }, null, 2) + '\n');
  return file;
}
