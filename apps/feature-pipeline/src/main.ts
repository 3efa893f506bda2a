/**
 * The feature-pipeline service: windowed flight features from
 * `events.validated` into Redis (online) and ClickHouse (offline), with
 * checkpoints that make a restart lose and double count nothing.
 * `node dist/main.js` runs the service; `node dist/main.js backfill [--until
 * <ISO time>] [--resume]` rebuilds both stores from the raw events table and
 * exits. Configuration from the environment (`--help` lists it).
 */
import { createLogger } from '@tributary/observability';
import { loadConfigOrExit, runService } from '@tributary/runtime';
import { parseBackfillArguments, runBackfillCommand } from './backfill-command.js';
import { featurePipelineConfigSchema } from './config.js';
import { startFeaturePipeline } from './start-feature-pipeline.js';

const summary = 'maintains windowed features in Redis and ClickHouse from events.validated; `backfill` rebuilds them from the raw events table';

if (process.argv[2] === 'backfill') {
  const config = loadConfigOrExit(featurePipelineConfigSchema, { service: 'feature-pipeline', summary });
  const logger = createLogger({ name: 'feature-pipeline-backfill', level: config.log.level });
  try {
    await runBackfillCommand({ config, logger, ...parseBackfillArguments(process.argv.slice(3)) });
  } catch (error) {
    logger.fatal({ err: error }, 'backfill failed');
    process.exitCode = 1;
  }
} else {
  await runService({ name: 'feature-pipeline', summary, schema: featurePipelineConfigSchema, start: startFeaturePipeline });
}
