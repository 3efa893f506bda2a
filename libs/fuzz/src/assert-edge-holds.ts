import { FuzzPropertyError } from './errors.js';
import { runFuzzEdge, type FuzzEdge, type FuzzReport, type RunFuzzEdgeOptions } from './run-fuzz-edge.js';

/**
 * Runs an edge ({@link runFuzzEdge}) and throws when any input broke a
 * property: what a spec calls, `it('…', () => assertEdgeHolds(edge))`.
 *
 * @throws FuzzPropertyError listing the first failures and the seed that replays them.
 */
export async function assertEdgeHolds<T>(edge: FuzzEdge<T>, options: RunFuzzEdgeOptions = {}): Promise<FuzzReport> {
  const report = await runFuzzEdge(edge, options);
  if (report.crashes > 0) throw new FuzzPropertyError(report.edge, report.crashes, report.inputs, report.seed, report.failures);
  return report;
}
