import { Worker } from 'node:worker_threads';
import { createLogger, type Logger } from '@tributary/observability';
import { InvalidInputError, ModelExecutionError } from './errors.js';
import { chooseWorker, type WorkerState } from './onnx-worker-choice.js';
import type { WorkerReply, WorkerRequest } from './onnx-worker-protocol.js';
import { workerEntry } from './worker-entry.js';

/** What one model run returns. */
export interface BatchResult {
  /** P(class 1) per row. */
  readonly probabilities: Float64Array;
  /** Time ONNX Runtime took, in ns. */
  readonly computeNs: number;
}

/** Contributions of rows to one model's margins, computed in a worker. */
export interface ExplainResult {
  readonly method: 'tree_shap' | 'linear';
  readonly baseValue: number;
  /** Row-major, one value per feature, in margin (log-odds) space. */
  readonly contributions: Float64Array;
  /** The model's margin per row: `baseValue + Σ contributions`. */
  readonly margins: Float64Array;
  readonly computeNs: number;
}

/** Options of {@link createOnnxWorkerPool}. */
export interface OnnxWorkerPoolOptions {
  /** Worker threads. Default 2. */
  readonly workers?: number;
  /** Default: a logger named `onnx-worker-pool`. */
  readonly logger?: Logger;
}

/** ONNX Runtime sessions in worker threads: every loaded model in every worker; a run goes to the least busy one. */
export interface OnnxWorkerPool {
  readonly size: number;
  /**
   * Loads a model under `key` in every worker, one worker after another: a worker creating a session takes no runs
   * while another is ready, so serving goes on in the others.
   */
  load(key: string, bytes: Uint8Array): Promise<void>;
  /** Runs `rowCount` rows (row-major float32) of the model under `key`; `values` is transferred, not copied. */
  run(key: string, values: Float32Array, rowCount: number): Promise<BatchResult>;
  /**
   * Explains `rowCount` rows of the model under `key` (exact TreeSHAP or
   * linear Shapley values, from the model JSON in its artifact); `values` is
   * transferred. The first explanation of a version builds its explainer in
   * the least busy worker, which takes no runs meanwhile while another can;
   * later ones go to that worker (see `chooseWorker`). Fails with
   * ModelExecutionError when the artifact cannot be explained (e.g. exported
   * before it carried covers).
   */
  explain(key: string, values: Float32Array, rowCount: number): Promise<ExplainResult>;
  /** Releases the sessions of `key` in every worker. */
  unload(key: string): Promise<void>;
  /** Terminates the workers; runs in flight fail. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

/** A worker and what the pool knows of it; read by `chooseWorker` as it is, with its queue and occupation derived. */
interface Slot extends WorkerState {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** False while a replacement worker reloads the models. */
  ready: boolean;
  /** True while it creates a session: its thread is busy for that long, so runs go to the others. */
  loading: boolean;
  /** Keys whose explainer it has built or is building (the worker drops one when its key is loaded again or unloaded). */
  readonly explainers: Set<string>;
  /** Explainers it is building, which hold its thread as a session's creation does. */
  building: number;
}

/**
 * A pool of ONNX worker threads. A worker that dies (a native crash, an
 * uncaught error) fails only its runs in flight; it is replaced and the
 * loaded models are loaded into the replacement before it takes runs again.
 */
export function createOnnxWorkerPool(options: OnnxWorkerPoolOptions = {}): OnnxWorkerPool {
  const size = options.workers ?? 2;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be a positive integer, got ${size}`);
  const logger = options.logger ?? createLogger({ name: 'onnx-worker-pool' });
  const models = new Map<string, Uint8Array>();
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  const send = (slot: Slot, request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      slot.pending.set(request.id, { resolve, reject });
      slot.worker.postMessage(request, transfer);
    });

  const expect = async (slot: Slot, request: WorkerRequest, transfer?: ArrayBuffer[]): Promise<WorkerReply> => {
    const reply = await send(slot, request, transfer);
    if (reply.type !== 'failed') return reply;
    if (reply.invalidInput) throw new InvalidInputError(reply.message);
    throw new ModelExecutionError(`model ${request.key}: ${reply.message}`);
  };

  function spawn(index: number): Slot {
    const entry = workerEntry('onnx-worker');
    const slot: Slot = {
      worker: new Worker(entry.filename, entry.options),
      pending: new Map(),
      ready: false,
      loading: false,
      explainers: new Set(),
      building: 0,
      get queued() {
        return this.pending.size;
      },
      get occupied() {
        return this.loading || this.building > 0;
      },
    };
    slot.worker.on('message', (reply: WorkerReply) => {
      const pending = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      pending?.resolve(reply);
    });
    slot.worker.on('error', (error) => logger.error({ err: error, worker: index }, 'ONNX worker failed'));
    slot.worker.on('exit', (exitCode) => {
      const failure = new ModelExecutionError(`ONNX worker ${index} exited (code ${exitCode}) with the run in flight`);
      for (const pending of slot.pending.values()) pending.reject(failure);
      slot.pending.clear();
      if (closed) return;
      logger.error({ worker: index, exitCode }, 'ONNX worker exited; starting a replacement');
      const replacement = spawn(index);
      slots[index] = replacement;
      void reload(replacement, index);
    });
    return slot;
  }

  async function reload(slot: Slot, index: number): Promise<void> {
    try {
      for (const [key, bytes] of models) await expect(slot, { type: 'load', id: nextId++, key, bytes });
      slot.ready = true;
    } catch (error) {
      logger.error({ err: error, worker: index }, 'a replacement ONNX worker could not load the models');
    }
  }

  for (let i = 0; i < size; i++) {
    const slot = spawn(i);
    slot.ready = true;
    slots.push(slot);
  }

  const choose = (explainKey?: string): Slot => {
    const slot = slots[chooseWorker(slots, explainKey)];
    if (!slot) throw new ModelExecutionError('no ONNX worker is ready (replacements are loading)');
    return slot;
  };

  return {
    size,
    async load(key, bytes) {
      if (closed) throw new ModelExecutionError('the ONNX worker pool is closed');
      models.set(key, bytes);
      try {
        // One worker after another: creating a session holds a worker's thread, and the others keep serving meanwhile.
        for (const slot of slots) {
          slot.explainers.delete(key);
          slot.loading = true;
          try {
            await expect(slot, { type: 'load', id: nextId++, key, bytes });
          } finally {
            slot.loading = false;
          }
        }
      } catch (error) {
        models.delete(key);
        throw error;
      }
    },
    async run(key, values, rowCount) {
      if (closed) throw new ModelExecutionError('the ONNX worker pool is closed');
      const reply = await expect(choose(), { type: 'run', id: nextId++, key, values, rowCount }, [values.buffer as ArrayBuffer]);
      if (reply.type !== 'ran') throw new ModelExecutionError(`model ${key}: the worker answered a run with ${reply.type}`);
      return { probabilities: reply.probabilities, computeNs: reply.computeNs };
    },
    async explain(key, values, rowCount) {
      if (closed) throw new ModelExecutionError('the ONNX worker pool is closed');
      const slot = choose(key);
      const builds = !slot.explainers.has(key);
      if (builds) {
        slot.explainers.add(key);
        slot.building++;
      }
      let reply: WorkerReply;
      try {
        reply = await expect(slot, { type: 'explain', id: nextId++, key, values, rowCount }, [values.buffer as ArrayBuffer]);
      } finally {
        if (builds) slot.building--;
      }
      if (reply.type !== 'explained') throw new ModelExecutionError(`model ${key}: the worker answered an explanation with ${reply.type}`);
      const { method, baseValue, contributions, margins, computeNs } = reply;
      return { method, baseValue, contributions, margins, computeNs };
    },
    async unload(key) {
      models.delete(key);
      for (const slot of slots) slot.explainers.delete(key);
      if (closed) return;
      await Promise.all(slots.map((slot) => expect(slot, { type: 'unload', id: nextId++, key }).catch(() => undefined)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
