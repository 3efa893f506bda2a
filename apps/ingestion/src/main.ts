/**
 * The ingestion service: consumes `events.raw` (and serves gRPC `Ingest`),
 * validates and deduplicates, writes `events.validated` and ClickHouse,
 * sends rejects to `events.dlq`. Configuration: `--help`, or the README.
 */
import { ConfigError, formatConfigHelp, loadConfig } from '@tributary/config';
import { createLogger, startTracing } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { ingestionConfigSchema } from './config.js';
import { startIngestion } from './start-ingestion.js';

if (process.argv.includes('--help')) {
  console.log(formatConfigHelp(ingestionConfigSchema));
  process.exit(0);
}

let config;
try {
  config = loadConfig(ingestionConfigSchema);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const tracing = startTracing({ serviceName: 'ingestion', ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}) });
const logger = createLogger({ name: 'ingestion', level: config.log.level });
const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdown.timeoutMs });
lifecycle.register('tracing', () => tracing.shutdown());
try {
  await startIngestion({ config, lifecycle, logger });
  lifecycle.markReady();
} catch (error) {
  await lifecycle.fail(error);
}
