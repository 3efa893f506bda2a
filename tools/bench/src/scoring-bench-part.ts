import type { Measurement } from './results.js';

/** One part of the scoring benchmark (see scoring.ts): a way of scoring, measured. */
export interface ScoringBenchPart {
  /** Short, e.g. `batch`; names the part in the conditions when it fails. */
  readonly name: string;
  /** Measures; the numbers' names should say what they are without the part's name. */
  run(): Promise<readonly Measurement[]>;
}
