import { backfill, flightFeatureSet, type FeatureEvent } from '@tributary/features';
import { createRawEventReader, type RawEventReader } from '@tributary/ingest';
import type { Logger } from '@tributary/observability';
import type { FeaturePipelineConfig } from './config.js';
import { openFeatureStores } from './feature-stores.js';
import { featureEventOfRow } from './feature-events.js';

/** What the backfill command was asked to do. */
export interface BackfillCommandOptions {
  readonly config: FeaturePipelineConfig;
  readonly logger: Logger;
  /** Hand-over time to the stream; default one past the latest raw event. */
  readonly untilMs?: number;
  /**
   * Continue an interrupted backfill instead of starting over. Default false:
   * the checkpoint, the online values and this version's offline rows are
   * deleted first, so the stores are rebuilt, not added to.
   */
  readonly resume?: boolean;
}

/** Parses `backfill [--until <ISO time>] [--resume]`. */
export function parseBackfillArguments(args: readonly string[]): { untilMs?: number; resume: boolean } {
  const untilIndex = args.indexOf('--until');
  const until = untilIndex >= 0 ? args[untilIndex + 1] : undefined;
  const untilMs = until === undefined ? undefined : Date.parse(until);
  if (untilMs !== undefined && Number.isNaN(untilMs)) throw new Error(`--until needs a time such as 2001-02-01T00:00:00Z, got ${until}`);
  return { ...(untilMs === undefined ? {} : { untilMs }), resume: args.includes('--resume') };
}

/**
 * Rebuilds both stores from the raw events table through the same processor
 * as the stream, then seals at the hand-over time: the stream, started
 * afterwards from any position, ignores events before it and counts the rest.
 */
export async function runBackfillCommand(options: BackfillCommandOptions): Promise<void> {
  const { config, logger } = options;
  const stores = await openFeatureStores({ config, logger });
  try {
    const { clickhouse, processor, onlineStore, offlineStore } = stores;
    const rawEvents = createRawEventReader({ client: clickhouse, database: config.clickhouse.database, table: config.features.rawTable });
    const untilMs = options.untilMs ?? (await rawEvents.endTimeMs());
    if (untilMs === undefined) {
      logger.warn({ table: config.features.rawTable }, 'no raw events: nothing to backfill');
      return;
    }
    if (!options.resume) {
      await processor.clearState();
      const deleted = await onlineStore.clear();
      await offlineStore.deleteVersion();
      logger.info({ onlineEntities: deleted, version: flightFeatureSet.version }, 'stores cleared for the rebuild');
    }
    const startedAt = Date.now();
    let logged = 0;
    const result = await backfill({
      processor,
      events: featureEvents(rawEvents, untilMs, config.features.backfillBatchSize),
      sealAtMs: untilMs,
      onProgress: (progress) => {
        if (progress.events - logged < 200_000) return;
        logged = progress.events;
        logger.info({ ...progress, eventsPerSecond: Math.round(progress.events / ((Date.now() - startedAt) / 1000)) }, 'backfilling');
      },
    });
    logger.info({ ...result, until: new Date(untilMs).toISOString(), seconds: (Date.now() - startedAt) / 1000 }, 'backfill done');
  } finally {
    await stores.close();
  }
}

/** The raw events before `untilMs` as the aggregation engine reads them, in the reader's event-time order. */
async function* featureEvents(rawEvents: RawEventReader, untilMs: number, batchSize: number): AsyncGenerator<FeatureEvent[]> {
  for await (const rows of rawEvents.events({ untilMs, batchSize })) yield rows.map(featureEventOfRow);
}
