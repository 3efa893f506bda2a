/**
 * The registry service: `node apps/registry/dist/main.js`. Configuration
 * comes from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { ConfigError, formatConfigHelp, loadConfig } from '@tributary/config';
import { createLogger, startTracing } from '@tributary/observability';
import { createLifecycle } from '@tributary/runtime';
import { startRegistry } from './registry-app.js';
import { registryConfigSchema } from './registry-config.js';

if (process.argv.includes('--help')) {
  console.log(`registry — the model registry service. Environment:\n${formatConfigHelp(registryConfigSchema)}`);
  process.exit(0);
}

const logger = createLogger({ name: 'registry' });
let config;
try {
  config = loadConfig(registryConfigSchema);
} catch (reason) {
  if (!(reason instanceof ConfigError)) throw reason;
  logger.fatal({ problems: reason.problems }, reason.message);
  process.exit(2);
}

const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdown.timeoutMs });
const tracing = startTracing({ serviceName: 'registry', ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}) });
lifecycle.register('tracing', () => tracing.shutdown());
await startRegistry({ config, lifecycle, logger }).catch(lifecycle.fail);
