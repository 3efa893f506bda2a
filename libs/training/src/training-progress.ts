/** The stages of a training run, in order. */
export const TRAINING_STAGES = [
  'loading-labels',
  'building-training-set',
  'training-primary',
  'training-fallback',
  'evaluating',
  'exporting',
  'profiling',
  'registering',
  'promoting',
] as const;

/** One stage of a training run. */
export type TrainingStage = (typeof TRAINING_STAGES)[number];

/** How far a run is, emitted as it goes: enough for a progress bar and a status line. */
export interface TrainingProgress {
  readonly requestId: string;
  readonly stage: TrainingStage;
  /** Done share of this stage, 0–1. */
  readonly stageFraction: number;
  /** Done share of the whole run, 0–1, weighting stages by their usual cost. */
  readonly fraction: number;
  /** A short note, e.g. `round 120/500`. */
  readonly detail?: string;
}

/**
 * Share of a run's time each stage usually takes (flights, months of data):
 * boosting dominates, the point-in-time join comes next.
 */
const STAGE_WEIGHTS: Readonly<Record<TrainingStage, number>> = {
  'loading-labels': 0.05,
  'building-training-set': 0.15,
  'training-primary': 0.45,
  'training-fallback': 0.1,
  evaluating: 0.05,
  exporting: 0.05,
  profiling: 0.05,
  registering: 0.05,
  promoting: 0.05,
};

/** The overall done share when `stage` is `stageFraction` done. */
export function overallFraction(stage: TrainingStage, stageFraction: number): number {
  let before = 0;
  for (const s of TRAINING_STAGES) {
    if (s === stage) break;
    before += STAGE_WEIGHTS[s];
  }
  const clamped = Math.min(1, Math.max(0, stageFraction));
  return Math.min(1, before + STAGE_WEIGHTS[stage] * clamped);
}
