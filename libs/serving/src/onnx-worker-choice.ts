/** What the pool knows of a worker when it picks one for a request. */
export interface WorkerState {
  /** False while a replacement worker reloads the models. */
  readonly ready: boolean;
  /** Requests sent and not answered yet. */
  readonly queued: number;
  /**
   * True while its thread is held for long: creating a session, or building a
   * version's explainer (~0.1 s for a 1 000-tree model). Runs go to the others meanwhile.
   */
  readonly occupied: boolean;
  /** Versions whose explainer it has built or is building. */
  readonly explainers: ReadonlySet<string>;
}

/** Ranks an occupied worker behind any number of requests queued in the others. */
const OCCUPIED_PENALTY = Number.MAX_SAFE_INTEGER / 2;

/**
 * The worker a request goes to, by index, or -1 when none is ready: the least
 * busy ready one, an occupied worker only when every ready one is (a pool of
 * one). An explanation of `explainKey` goes to a worker that has (or is
 * building) that version's explainer when one is ready — even while it builds
 * it, since another would build its own — so each version's explainer is
 * built once, by one worker, and never holds up runs in the others.
 */
export function chooseWorker(workers: readonly WorkerState[], explainKey?: string): number {
  const rank = (worker: WorkerState) => worker.queued + (worker.occupied ? OCCUPIED_PENALTY : 0);
  const best = (eligible: (worker: WorkerState) => boolean) => {
    let chosen = -1;
    workers.forEach((worker, index) => {
      if (worker.ready && eligible(worker) && (chosen < 0 || rank(worker) < rank(workers[chosen] as WorkerState))) chosen = index;
    });
    return chosen;
  };
  const withExplainer = explainKey === undefined ? -1 : best((worker) => worker.explainers.has(explainKey));
  return withExplainer >= 0 ? withExplainer : best(() => true);
}
