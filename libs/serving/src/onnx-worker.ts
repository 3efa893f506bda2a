/**
 * The entry of an ONNX worker thread: it holds one ONNX Runtime session per
 * loaded model version and runs batches the pool sends, so no model ever runs
 * on the main thread's event loop. Inputs arrive transferred; probabilities go
 * back transferred. Explanations run here too: the explainer of a version is
 * built from its artifact on the first request that asks for one. Building
 * it tabulates every tree's credits (~0.1 s and ~3 MB for the 1 000-tree
 * bench model) and holds this thread meanwhile, so the pool sends runs to the
 * other workers then, and later explanations of the version here (see
 * `chooseWorker`); each explanation after it costs ~0.1 ms a row.
 */
import { parentPort } from 'node:worker_threads';
import { InvalidDatasetError, createOnnxPredictor, explainerFromOnnx, type Explainer, type OnnxPredictor } from '@tributary/ml';
import type { WorkerReply, WorkerRequest } from './onnx-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('onnx-worker runs only as a worker thread');
const sessions = new Map<string, OnnxPredictor>();
/** Artifacts of the loaded versions, kept until an explanation needs them, then their explainers. */
const artifacts = new Map<string, Uint8Array>();
const explainers = new Map<string, Explainer>();
/**
 * Runs in flight, until answered. ONNX Runtime finishes a run on a later turn
 * of this thread's loop, so a run sent before an explanation would otherwise
 * wait for its explainer's build: the build waits for them instead.
 */
const running = new Set<Promise<void>>();

function explainerOf(key: string): Explainer {
  let explainer = explainers.get(key);
  if (explainer) return explainer;
  const bytes = artifacts.get(key);
  if (!bytes) throw new Error(`model ${key} is not loaded in this worker`);
  explainer = explainerFromOnnx(bytes);
  explainers.set(key, explainer);
  artifacts.delete(key);
  return explainer;
}

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function handle(request: WorkerRequest): Promise<void> {
  try {
    switch (request.type) {
      case 'load': {
        const previous = sessions.get(request.key);
        sessions.set(request.key, await createOnnxPredictor(request.bytes));
        artifacts.set(request.key, request.bytes);
        explainers.delete(request.key);
        await previous?.close();
        reply({ type: 'done', id: request.id });
        return;
      }
      case 'run': {
        const session = sessions.get(request.key);
        if (!session) throw new Error(`model ${request.key} is not loaded in this worker`);
        const started = process.hrtime.bigint();
        const probabilities = await session.predictProba({ values: request.values, rowCount: request.rowCount });
        const computeNs = Number(process.hrtime.bigint() - started);
        reply({ type: 'ran', id: request.id, probabilities, computeNs }, [probabilities.buffer as ArrayBuffer]);
        return;
      }
      case 'explain': {
        if (!explainers.has(request.key)) await Promise.allSettled([...running]);
        const explainer = explainerOf(request.key);
        const started = process.hrtime.bigint();
        const { contributions, margins, baseValue } = explainer.explain({ values: request.values, rowCount: request.rowCount });
        const computeNs = Number(process.hrtime.bigint() - started);
        const { method } = explainer;
        reply({ type: 'explained', id: request.id, method, baseValue, contributions, margins, computeNs }, [contributions.buffer as ArrayBuffer, margins.buffer as ArrayBuffer]);
        return;
      }
      case 'unload': {
        await sessions.get(request.key)?.close();
        sessions.delete(request.key);
        artifacts.delete(request.key);
        explainers.delete(request.key);
        reply({ type: 'done', id: request.id });
        return;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply({ type: 'failed', id: request.id, message, invalidInput: error instanceof InvalidDatasetError });
  }
}

port.on('message', (request: WorkerRequest) => {
  const handling = handle(request);
  if (request.type !== 'run') return;
  running.add(handling);
  void handling.finally(() => running.delete(handling));
});
