import { DeadlineExceededError, InvalidInputError, OverloadedError } from './errors.js';
import type { BatchResult } from './onnx-worker-pool.js';

/** Weight of the latest full batch in the running estimate of a full batch's wall time. */
const ESTIMATE_WEIGHT = 0.2;

/** What one dispatched batch did, for statistics. */
export interface BatchReport {
  readonly rowCount: number;
  /** Model time of the batch, in ns. */
  readonly computeNs: number;
  /** Time the batch's rows waited in the queue, summed, in ns. */
  readonly queueNs: number;
}

/** Options of {@link createMicroBatcher}. */
export interface MicroBatcherOptions {
  /** Used in errors, e.g. `flight-delay v3`. */
  readonly name: string;
  /** Values per row. */
  readonly featureCount: number;
  /** Rows one run takes at most. */
  readonly maxBatchSize: number;
  /** How long the first queued row may wait for others, in ms; 0: whatever was queued in the same event-loop turn. */
  readonly maxQueueDelayMs: number;
  /** Rows queued beyond which `submit` sheds with {@link OverloadedError}. */
  readonly maxQueuedRows: number;
  /** Batches in flight at once (the workers that can run them). */
  readonly maxInFlightBatches: number;
  /** Runs a batch: row-major float32 values, transferred. */
  run(values: Float32Array, rowCount: number): Promise<BatchResult>;
  /** Called after every successful batch. */
  onBatch?(report: BatchReport): void;
}

/** Queues single rows and runs them in batches. */
export interface MicroBatcher {
  /**
   * P(class 1) of one row. Rejects at once with {@link OverloadedError} when
   * the queue is full or the batches ahead would take past `deadlineAtMs` (by
   * the recent wall time of a full batch), and with {@link DeadlineExceededError} at
   * `deadlineAtMs`.
   */
  submit(row: ArrayLike<number>, deadlineAtMs: number): Promise<number>;
  /** Rows queued, not yet dispatched. */
  readonly queuedRows: number;
  /** Rows queued or in flight. */
  readonly pendingRows: number;
}

interface Pending {
  readonly row: ArrayLike<number>;
  readonly enqueuedAtNs: bigint;
  settled: boolean;
  dispatched: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(probability: number): void;
  reject(error: Error): void;
}

/**
 * Dynamic micro-batching of one model version: rows wait at most
 * `maxQueueDelayMs` (or while every worker is busy) and leave together, up to
 * `maxBatchSize`, packed into one float32 buffer that is transferred to the
 * worker. The queue is bounded — beyond `maxQueuedRows`, or when the rows
 * ahead would outlast its deadline, a request is shed at once — and every row
 * carries its deadline: one past it is rejected where it
 * is, queued or in flight, and never waits longer.
 */
export function createMicroBatcher(options: MicroBatcherOptions): MicroBatcher {
  const { featureCount, maxBatchSize, maxQueueDelayMs, maxQueuedRows, maxInFlightBatches } = options;
  const queue: Pending[] = [];
  let queued = 0; // live rows in `queue` (settled ones are skipped lazily)
  let inFlightBatches = 0;
  let inFlightRows = 0;
  // Recent wall time of a full batch, ms (0 until one ran): under overload batches fill up, and this says how long the
  // batches ahead of a new row will take. Small batches are not counted: at low load nothing queues long anyway.
  let fullBatchMs = 0;
  const fullBatchRows = Math.max(1, Math.floor(maxBatchSize / 2));
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;

  const settle = (pending: Pending) => {
    pending.settled = true;
    if (pending.timer) clearTimeout(pending.timer);
    if (!pending.dispatched) queued--;
  };

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    while (batch.length < maxBatchSize && queue.length > 0) {
      const pending = queue.shift() as Pending;
      if (pending.settled) continue;
      pending.dispatched = true;
      queued--;
      batch.push(pending);
    }
    return batch;
  }

  function dispatch(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    immediate = undefined;
    while (inFlightBatches < maxInFlightBatches && queued > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      void runBatch(batch);
    }
  }

  async function runBatch(batch: Pending[]): Promise<void> {
    inFlightBatches++;
    inFlightRows += batch.length;
    const values = new Float32Array(batch.length * featureCount);
    const now = process.hrtime.bigint();
    let queueNs = 0;
    batch.forEach((pending, r) => {
      values.set(pending.row, r * featureCount);
      queueNs += Number(now - pending.enqueuedAtNs);
    });
    const started = performance.now();
    try {
      const { probabilities, computeNs } = await options.run(values, batch.length);
      if (batch.length >= fullBatchRows) {
        const wallMs = performance.now() - started;
        fullBatchMs = fullBatchMs === 0 ? wallMs : fullBatchMs * (1 - ESTIMATE_WEIGHT) + wallMs * ESTIMATE_WEIGHT;
      }
      batch.forEach((pending, r) => {
        if (pending.settled) return;
        settle(pending);
        pending.resolve(probabilities[r] as number);
      });
      options.onBatch?.({ rowCount: batch.length, computeNs, queueNs });
    } catch (error) {
      for (const pending of batch) {
        if (pending.settled) continue;
        settle(pending);
        pending.reject(error as Error);
      }
    } finally {
      inFlightBatches--;
      inFlightRows -= batch.length;
      if (queued > 0) schedule();
    }
  }

  function schedule(): void {
    if (inFlightBatches >= maxInFlightBatches) return; // the batch in flight schedules the next when it ends
    if (queued >= maxBatchSize) return dispatch();
    if (maxQueueDelayMs <= 0) {
      immediate ??= setImmediate(dispatch);
      return;
    }
    timer ??= setTimeout(dispatch, maxQueueDelayMs);
  }

  return {
    get queuedRows() {
      return queued;
    },
    get pendingRows() {
      return queued + inFlightRows;
    },
    submit(row, deadlineAtMs) {
      if (row.length !== featureCount) {
        return Promise.reject(new InvalidInputError(`${options.name} reads ${featureCount} features per row, got ${row.length}`));
      }
      if (queued >= maxQueuedRows) return Promise.reject(new OverloadedError(`${options.name} batch queue`, `${queued} rows queued, the most it holds`));
      const remainingMs = deadlineAtMs - Date.now();
      if (remainingMs <= 0) return Promise.reject(new DeadlineExceededError(`${options.name} batch queue`, -remainingMs));
      // Shed now rather than after waiting in vain: the rows ahead would outlast the deadline.
      const batchesAhead = Math.ceil((queued + inFlightRows + 1) / maxBatchSize);
      if ((batchesAhead * fullBatchMs) / maxInFlightBatches > remainingMs) {
        return Promise.reject(new OverloadedError(`${options.name} batch queue`, `the ${queued + inFlightRows} rows ahead would outlast the deadline`));
      }
      return new Promise<number>((resolve, reject) => {
        const pending: Pending = {
          row,
          enqueuedAtNs: process.hrtime.bigint(),
          settled: false,
          dispatched: false,
          timer: undefined,
          resolve,
          reject,
        };
        pending.timer = setTimeout(() => {
          if (pending.settled) return;
          const stage = pending.dispatched ? `${options.name} model run` : `${options.name} batch queue`;
          settle(pending);
          reject(new DeadlineExceededError(stage, Math.max(0, Date.now() - deadlineAtMs)));
        }, remainingMs);
        queue.push(pending);
        queued++;
        schedule();
      });
    },
  };
}
