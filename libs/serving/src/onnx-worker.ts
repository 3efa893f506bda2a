/**
 * The entry of an ONNX worker thread: it holds one ONNX Runtime session per
 * loaded model version and runs batches the pool sends, so no model ever runs
 * on the main thread's event loop. Inputs arrive transferred; probabilities go
 * back transferred.
 */
import { parentPort } from 'node:worker_threads';
import { InvalidDatasetError, createOnnxPredictor, type OnnxPredictor } from '@tributary/ml';
import type { WorkerReply, WorkerRequest } from './onnx-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('onnx-worker runs only as a worker thread');
const sessions = new Map<string, OnnxPredictor>();

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function handle(request: WorkerRequest): Promise<void> {
  try {
    switch (request.type) {
      case 'load': {
        const previous = sessions.get(request.key);
        sessions.set(request.key, await createOnnxPredictor(request.bytes));
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
      case 'unload': {
        await sessions.get(request.key)?.close();
        sessions.delete(request.key);
        reply({ type: 'done', id: request.id });
        return;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply({ type: 'failed', id: request.id, message, invalidInput: error instanceof InvalidDatasetError });
  }
}

port.on('message', (request: WorkerRequest) => void handle(request));
