/**
 * Entry of the training worker thread: fits the candidates of the run given
 * as `workerData` and posts progress, stage ends, then the result or the
 * failure (see training-worker-protocol.ts). Started by {@link fitInWorker}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitCandidates, type FitCandidatesInput } from './fit-candidates.js';
import { StageRunner } from './stage-runner.js';
import { resultMessage, workerFailureOf, type TrainingWorkerMessage } from './training-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('training-worker.js runs as a worker thread, started by fitInWorker()');
const post = (message: TrainingWorkerMessage, transferList: ArrayBuffer[] = []) => port.postMessage(message, transferList);
const input = workerData as FitCandidatesInput;
const run = new StageRunner(input.requestId, {
  progress: (progress) => post({ type: 'progress', progress }),
  stageEnded: (stage, outcome, seconds) => post({ type: 'stage-ended', stage, outcome, seconds }),
});
try {
  const { message, transferList } = resultMessage(await fitCandidates(input, run));
  post(message, transferList);
} catch (error) {
  post({ type: 'failure', failure: workerFailureOf(error) });
}
