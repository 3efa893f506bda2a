import { Code, TributaryError } from '@tributary/errors';
import { TrainingStageError } from './errors.js';
import { overallFraction, type TrainingProgress, type TrainingStage } from './training-progress.js';

/** Where a {@link StageRunner} reports: progress as it goes, and each stage's duration once it ends. */
export interface StageReporter {
  progress(progress: TrainingProgress): void;
  stageEnded(stage: TrainingStage, outcome: 'ok' | 'failed', seconds: number): void;
}

/** Reports `stageFraction` (0–1) of the stage in progress, with an optional note like `round 12/500`. */
export type ReportStageProgress = (stageFraction: number, detail?: string) => void;

/**
 * Runs the stages of one training run in order, timing each, reporting its
 * progress and naming the stage in any failure. The same runner serves the
 * main thread and the training worker; only the reporter differs.
 */
export class StageRunner {
  constructor(
    private readonly requestId: string,
    private readonly reporter: StageReporter,
    private readonly signal?: AbortSignal,
  ) {}

  throwIfAborted(): void {
    if (this.signal?.aborted) throw cancelledError(this.signal);
  }

  async stage<T>(stage: TrainingStage, work: (report: ReportStageProgress) => T | Promise<T>): Promise<T> {
    this.throwIfAborted();
    const report: ReportStageProgress = (stageFraction, detail) =>
      this.reporter.progress({
        requestId: this.requestId,
        stage,
        stageFraction,
        fraction: overallFraction(stage, stageFraction),
        ...(detail === undefined ? {} : { detail }),
      });
    const started = performance.now();
    report(0);
    try {
      const result = await work(report);
      report(1);
      this.reporter.stageEnded(stage, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.reporter.stageEnded(stage, 'failed', (performance.now() - started) / 1000);
      throw error instanceof TrainingStageError ? error : new TrainingStageError(stage, error);
    }
  }
}

/** The error of a run stopped by its signal: not retryable here, the caller decides what cancelling means. */
export function cancelledError(signal: AbortSignal): TributaryError {
  return new TributaryError(Code.Cancelled, 'training run cancelled', { cause: signal.reason, retryable: false });
}
