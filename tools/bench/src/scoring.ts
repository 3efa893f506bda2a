/**
 * Scoring benchmark: `npm run bench -- scoring` runs each part below in turn
 * and writes all their numbers to bench-results/scoring.json, with the
 * machine's load. A part is one way of scoring (batch jobs, the streaming
 * scorer) or the cost of explaining a score (exact TreeSHAP beside the
 * `shap` package); one that fails is named in the conditions and the others
 * are still reported.
 */
import { availableParallelism } from 'node:os';
import { watchLoad } from './load-watch.js';
import { reportResults, type Measurement } from './results.js';
import { explanationsPart } from './explain.js';
import { batchScoringPart } from './scoring-batch.js';
import type { ScoringBenchPart } from './scoring-bench-part.js';
import { streamingScoringPart } from './scoring-streaming.js';

/** The parts, run in this order. */
export const SCORING_PARTS: readonly ScoringBenchPart[] = [batchScoringPart, streamingScoringPart, explanationsPart];

export async function run(): Promise<void> {
  const load = watchLoad();
  const measurements: Measurement[] = [];
  const conditions: Record<string, string | number> = {};
  try {
    for (const part of SCORING_PARTS) {
      console.log(`scoring: ${part.name}`);
      try {
        const result = await part.run();
        measurements.push(...result.measurements);
        Object.assign(conditions, result.conditions);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        conditions[`${part.name}NotMeasured`] = reason;
        console.error(`the ${part.name} part was not measured: ${reason}`);
      }
    }
  } finally {
    load.stop();
  }
  reportResults('scoring', measurements, {
    conditions: { loadAverage1mMin: Math.min(...load.samples), loadAverage1mMax: Math.max(...load.samples), cpus: availableParallelism(), ...conditions },
  });
}
