import type { FeatureEvent, FeatureRecord } from './feature-event.js';
import type { FeatureProcessor } from './feature-processor.js';

/** Options of {@link backfill}. */
export interface BackfillOptions {
  readonly processor: FeatureProcessor;
  /** Past events in event-time order, in batches; the order must be the same on every run (it numbers the offsets). */
  readonly events: AsyncIterable<readonly FeatureEvent[]>;
  /**
   * Where the backfill hands over to the stream: every boundary up to it is
   * emitted, and events before it that the stream delivers later are ignored
   * as covered; events from it on are the stream's to count.
   */
  readonly sealAtMs: number;
  /** Source name of the backfilled events in the checkpoint. Default `backfill`. */
  readonly source?: string;
  /** Called after each batch. */
  readonly onProgress?: (progress: BackfillProgress) => void;
}

/** How far a backfill has come. */
export interface BackfillProgress {
  readonly events: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly snapshots: number;
}

/**
 * Rebuilds features from past events through the same processor as the
 * stream, so both stores get exactly what streaming those events would have
 * written. Events are numbered as offsets of one source, so a backfill that
 * stopped half-way resumes where its checkpoint ends when run again over the
 * same events. Ends by sealing at `sealAtMs`.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillProgress> {
  const { processor, events, sealAtMs, source = 'backfill', onProgress } = options;
  let offset = 0n;
  let progress: BackfillProgress = { events: 0, accepted: 0, rejected: 0, snapshots: 0 };
  for await (const batch of events) {
    const records: FeatureRecord[] = batch.map((event) => ({ source, offset: offset++, event }));
    const result = await processor.process(records);
    progress = {
      events: progress.events + records.length,
      accepted: progress.accepted + result.accepted,
      rejected: progress.rejected + result.rejected.length,
      snapshots: progress.snapshots + result.snapshots,
    };
    onProgress?.(progress);
  }
  const sealed = await processor.seal(sealAtMs);
  return { ...progress, snapshots: progress.snapshots + sealed };
}
