/**
 * What the trainer does with one `training.requested` record: run the
 * training to the end (registration and promotion included) before the
 * consumer may commit its offset. A failure propagates, so the consumer
 * retries it if the error says that may help, then dead-letters it with the
 * reason; a malformed request is dead-lettered at once. When the consumer
 * closes, a run still training stops (its worker is terminated) and the
 * failure leaves the request uncommitted for the next trainer; a run already
 * registering finishes.
 */
import type { TrainingRequest } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { RecordHandler } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';
import { runTraining, type RunTrainingOptions, type TrainingProgress, type TrainingRunDependencies, type TrainingRunResult } from '@tributary/training';

/** Options of {@link createTrainingRequestHandler}. */
export interface TrainingRequestHandlerOptions {
  readonly dependencies: TrainingRunDependencies;
  readonly logger: Logger;
  /** Called with each finished run, e.g. by tests. Default: none. */
  readonly onRun?: (result: TrainingRunResult) => void;
  /** Called between a run's registration and its promotion (the test fault hook). Default: none. */
  readonly onRegistered?: RunTrainingOptions['onRegistered'];
}

/** Least progress between two progress log lines, so a run logs a few dozen lines, not thousands. */
const LOG_EVERY_FRACTION = 0.05;

/** Creates the trainer's handler of `training.requested` records. */
export function createTrainingRequestHandler(options: TrainingRequestHandlerOptions): RecordHandler<TrainingRequest> {
  const { dependencies, logger, onRun, onRegistered } = options;
  return async (record, { signal }) => {
    const request = record.value;
    const log = logger.child({ requestId: request.requestId, modelName: request.modelName });
    log.info({ partition: record.partition, offset: record.offset, requestedBy: request.requestedBy, reason: request.reasonDetail }, 'training run starting');
    let lastLogged = -1;
    const onProgress = (progress: TrainingProgress) => {
      if (progress.fraction - lastLogged < LOG_EVERY_FRACTION && progress.fraction < 1) return;
      lastLogged = progress.fraction;
      log.info({ stage: progress.stage, fraction: Number(progress.fraction.toFixed(3)), detail: progress.detail }, 'training progress');
    };
    let result: TrainingRunResult;
    try {
      result = await runTraining(request, { ...dependencies, logger: log }, { onProgress, signal, ...(onRegistered ? { onRegistered } : {}) });
    } catch (error) {
      if (signal.aborted && error instanceof TributaryError && error.code === Code.Cancelled) {
        log.warn({ partition: record.partition, offset: record.offset }, 'training run stopped by shutdown; the request stays uncommitted and will be delivered again');
      }
      throw error;
    }
    log.info({ outcome: result.outcome, primaryVersion: result.primary.version, fallbackVersion: result.fallback.version, promotion: result.promotion }, 'training run done');
    onRun?.(result);
  };
}
