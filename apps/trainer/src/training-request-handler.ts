/**
 * What the trainer does with one `training.requested` record: run the
 * training to the end (registration and promotion included) before the
 * consumer may commit its offset. A failure propagates, so the consumer
 * retries it if the error says that may help, then dead-letters it with the
 * reason; a malformed request is dead-lettered at once. A run stopped by
 * shutdown is neither: its record stays unsettled, so it is not committed and
 * the request is delivered again.
 */
import type { TrainingRequest } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { RecordHandler } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';
import { runTraining, type TrainingProgress, type TrainingRunDependencies, type TrainingRunResult } from '@tributary/training';

/** Options of {@link createTrainingRequestHandler}. */
export interface TrainingRequestHandlerOptions {
  readonly dependencies: TrainingRunDependencies;
  readonly logger: Logger;
  /** Called with each finished run, e.g. by tests. Default: none. */
  readonly onRun?: (result: TrainingRunResult) => void;
}

/** The consumer's record handler and how to stop it. */
export interface TrainingRequestHandler {
  /** One run per record, one record at a time. */
  readonly handle: RecordHandler<TrainingRequest>;
  /**
   * Stops the run in progress, if it is still training: its worker is
   * terminated and its record left unsettled (never committed nor
   * dead-lettered). A run already registering finishes. Idempotent.
   */
  stop(): void;
  /** Resolves once a run has been stopped by {@link stop}: the consumer's close would wait for it forever. */
  readonly abandoned: Promise<void>;
}

/** Least progress between two progress log lines, so a run logs a few dozen lines, not thousands. */
const LOG_EVERY_FRACTION = 0.05;

/** Creates the trainer's {@link TrainingRequestHandler}. */
export function createTrainingRequestHandler(options: TrainingRequestHandlerOptions): TrainingRequestHandler {
  const { dependencies, logger, onRun } = options;
  const stopping = new AbortController();
  let markAbandoned: () => void = () => undefined;
  const abandoned = new Promise<void>((resolve) => (markAbandoned = resolve));
  return {
    async handle(record) {
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
        result = await runTraining(request, { ...dependencies, logger: log }, { onProgress, signal: stopping.signal });
      } catch (error) {
        if (!(stopping.signal.aborted && error instanceof TributaryError && error.code === Code.Cancelled)) throw error;
        log.warn({ partition: record.partition, offset: record.offset }, 'training run stopped by shutdown; the request stays uncommitted and will be delivered again');
        markAbandoned();
        return new Promise<never>(() => undefined);
      }
      log.info({ outcome: result.outcome, primaryVersion: result.primary.version, fallbackVersion: result.fallback.version, promotion: result.promotion }, 'training run done');
      onRun?.(result);
    },
    stop() {
      stopping.abort();
    },
    abandoned,
  };
}
