import type { Measurement } from './results.js';

/** What a part measured, and what the numbers were taken under (e.g. the model and a peer's version). */
export interface ScoringPartResult {
  readonly measurements: readonly Measurement[];
  readonly conditions?: Readonly<Record<string, string | number>>;
}

/** One part of the scoring benchmark (see scoring.ts): a way of scoring, or of explaining a score, measured. */
export interface ScoringBenchPart {
  /** Short, e.g. `batch`; names the part in the conditions when it fails. */
  readonly name: string;
  /** Measures; the numbers' names should say what they are without the part's name. */
  run(): Promise<ScoringPartResult>;
}
