import type { ConfigOf, ConfigSchema } from '@tributary/config';
import { createLogger, startTracing } from '@tributary/observability';
import { createLifecycle } from './lifecycle.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import type { ServiceContext } from './service-context.js';

/** What every service's configuration holds (`logEnv`, `tracingEnv`, `shutdownEnv`). */
export interface BaseServiceConfig {
  readonly log: { readonly level: string };
  readonly tracing: { readonly otlpEndpoint?: string | undefined };
  readonly shutdown: { readonly timeoutMs: number };
}

/** Options of {@link runService}. */
export interface RunServiceOptions<S extends ConfigSchema> {
  /** Service name: logs, traces and `--help`. */
  readonly name: string;
  /** One line on what it does, for `--help`. */
  readonly summary: string;
  /** Its documented environment; must include the log, tracing and shutdown groups. */
  readonly schema: S;
  /** Opens clients and servers, registering each with the lifecycle; the service is ready when it resolves. */
  readonly start: (context: ServiceContext<ConfigOf<S> & BaseServiceConfig>) => Promise<unknown>;
}

/**
 * The whole `main` of a service: loads its configuration (or prints `--help`,
 * or exits 2 naming every bad variable), starts logging and tracing, runs
 * `start`, marks the service ready, and on SIGTERM closes everything in
 * reverse order. A failing start logs the error and exits 1.
 */
export async function runService<S extends ConfigSchema>(options: RunServiceOptions<S>): Promise<void> {
  const config = loadConfigOrExit(options.schema, { service: options.name, summary: options.summary }) as ConfigOf<S> & BaseServiceConfig;
  const logger = createLogger({ name: options.name, level: config.log.level });
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdown.timeoutMs });
  const tracing = startTracing({ serviceName: options.name, otlpEndpoint: config.tracing.otlpEndpoint });
  lifecycle.register('tracing', () => tracing.shutdown());
  try {
    await options.start({ config, logger, lifecycle });
    lifecycle.markReady();
  } catch (error) {
    await lifecycle.fail(error);
  }
}
