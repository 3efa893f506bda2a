import { describe, expect, it } from 'vitest';
import { chooseWorker, type WorkerState } from './onnx-worker-choice.js';

const worker = (state: Partial<WorkerState> = {}): WorkerState => ({ ready: true, queued: 0, occupied: false, explainers: new Set(), ...state });

describe('chooseWorker()', () => {
  it('sends a run to the ready worker with the fewest requests queued, the first of equals', () => {
    expect(chooseWorker([worker({ queued: 2 }), worker({ queued: 1 }), worker({ queued: 1 })])).toBe(1);
    expect(chooseWorker([worker({ queued: 0, ready: false }), worker({ queued: 5 })])).toBe(1);
    expect(chooseWorker([worker({ ready: false })])).toBe(-1);
  });

  it('sends no run to a worker creating a session or building an explainer while another is ready, however busy', () => {
    expect(chooseWorker([worker({ occupied: true }), worker({ queued: 1_000 })])).toBe(1);
    // A pool of one, or every worker occupied: the least busy of them.
    expect(chooseWorker([worker({ occupied: true, queued: 3 })])).toBe(0);
    expect(chooseWorker([worker({ occupied: true, queued: 3 }), worker({ occupied: true, queued: 1 })])).toBe(1);
  });

  it("sends an explanation to a worker with the version's explainer, even a busier one or one still building it", () => {
    const built = new Set(['m@2']);
    expect(chooseWorker([worker(), worker({ queued: 7, explainers: built })], 'm@2')).toBe(1);
    expect(chooseWorker([worker(), worker({ occupied: true, explainers: built })], 'm@2')).toBe(1);
    expect(chooseWorker([worker({ queued: 4, explainers: built }), worker({ queued: 2, explainers: built })], 'm@2')).toBe(1);
  });

  it('sends the first explanation of a version to the least busy worker, and falls back to it when the explainer’s worker is not ready', () => {
    expect(chooseWorker([worker({ queued: 3 }), worker({ queued: 1, explainers: new Set(['m@1']) })], 'm@2')).toBe(1);
    expect(chooseWorker([worker({ ready: false, explainers: new Set(['m@2']) }), worker({ queued: 9 })], 'm@2')).toBe(1);
  });
});
