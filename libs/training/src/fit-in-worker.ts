import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';
import { TrainingStageError, TrainingWorkerCrashedError } from './errors.js';
import type { FitCandidatesInput, FittedCandidates } from './fit-candidates.js';
import { cancelledError, type StageReporter } from './stage-runner.js';
import type { TrainingStage } from './training-progress.js';
import { errorOfWorkerFailure, fittedCandidatesOf, inputTransferList, type TrainingWorkerMessage } from './training-worker-protocol.js';

/** Options of the training worker thread. */
export interface TrainingWorkerOptions {
  /** Heap limits of the worker (Node's `resourceLimits`); exceeding them fails the run, not the process. Default: Node's. */
  readonly resourceLimits?: ResourceLimits;
}

/** Options of {@link fitInWorker}. */
export interface FitInWorkerOptions {
  /** Receives the worker's progress and stage ends, on this thread. */
  readonly reporter: StageReporter;
  /** Terminates the worker at once; the promise then rejects with a `Cancelled` error. */
  readonly signal?: AbortSignal;
  readonly worker?: TrainingWorkerOptions;
}

/**
 * Runs {@link fitCandidates} in a worker thread, so the minutes of CPU of a
 * full-dataset run leave this thread's event loop free (health checks,
 * metrics, Kafka heartbeats). The input's typed arrays are transferred: the
 * caller must not read them afterwards. A worker that throws, runs out of
 * memory or exits fails the stage it was in with a {@link TrainingStageError}.
 */
export function fitInWorker(input: FitCandidatesInput, options: FitInWorkerOptions): Promise<FittedCandidates> {
  const { reporter, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError(signal));
      return;
    }
    const entry = workerEntry();
    const worker = new Worker(entry.filename, {
      ...entry.options,
      workerData: input,
      transferList: inputTransferList(input),
      ...(options.worker?.resourceLimits ? { resourceLimits: options.worker.resourceLimits } : {}),
    });
    // The stage in progress, which a crash or a cancel is charged to; the worker reports the rest itself.
    let current = { stage: 'training-primary' as TrainingStage, startedAt: performance.now(), open: true };
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
      void worker.terminate();
    };
    const failCurrentStage = (cause: unknown) =>
      settle(() => {
        if (current.open) reporter.stageEnded(current.stage, 'failed', (performance.now() - current.startedAt) / 1000);
        reject(new TrainingStageError(current.stage, cause));
      });
    const onAbort = () => failCurrentStage(cancelledError(signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: TrainingWorkerMessage) => {
      switch (message.type) {
        case 'progress':
          if (message.progress.stage !== current.stage) current = { stage: message.progress.stage, startedAt: performance.now(), open: true };
          reporter.progress(message.progress);
          return;
        case 'stage-ended':
          current.open = false;
          reporter.stageEnded(message.stage, message.outcome, message.seconds);
          return;
        case 'result':
          settle(() => resolve(fittedCandidatesOf(message)));
          return;
        case 'failure':
          settle(() => reject(errorOfWorkerFailure(message.failure, current.stage)));
          return;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      failCurrentStage(new TrainingWorkerCrashedError(outOfMemory ? `ran out of memory: ${error.message}` : `crashed: ${error.message}`, { cause: error, outOfMemory }));
    });
    worker.on('exit', (exitCode) => failCurrentStage(new TrainingWorkerCrashedError(`exited with code ${exitCode} before it answered`, { exitCode })));
  });
}

/**
 * How to start the worker: the built `training-worker.js` beside this file;
 * or, when this file runs from its TypeScript source (tests, services run
 * with `--conditions=development`), the `.ts` entry through tsx, whose
 * loader is registered inside the worker as Node 20 does not pass it on.
 */
function workerEntry(): { readonly filename: string | URL; readonly options: WorkerOptions } {
  if (!import.meta.url.endsWith('.ts')) return { filename: new URL('./training-worker.js', import.meta.url), options: {} };
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./training-worker.ts', import.meta.url).href);
  return {
    filename: `import(${tsx}).then(({ register }) => { register(); return import(${entry}); });`,
    options: { eval: true, execArgv: ['--conditions=development'] },
  };
}
