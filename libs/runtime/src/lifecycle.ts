import { createLogger, type Logger } from '@tributary/observability';
import { NotReadyError } from './errors.js';
import type { ReadinessCheck } from './ops-server.js';
import { withTimeBudget } from './time-budget.js';

/** Options of {@link createLifecycle}. */
export interface LifecycleOptions {
  /** Where shutdown progress is logged. Default: a logger named `lifecycle`. */
  readonly logger?: Logger;
  /** Time each resource gets to close, in ms, unless it registered its own. Default: 10 000. */
  readonly shutdownTimeoutMs?: number;
  /** Signals that start the shutdown; a second one exits at once. Default: SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Ends the process after shutdown with 0 if every resource closed, 1
   * otherwise. Default: `process.exit`. Tests pass a function that records the code.
   */
  readonly exit?: (code: number) => void;
}

/** Options of {@link Lifecycle.register}. */
export interface RegisterOptions {
  /** Time this resource gets to close, in ms. Default: the lifecycle's `shutdownTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** Closes what a service opened, in reverse order, once. */
export interface Lifecycle {
  /**
   * Registers how to close a resource just opened. Register right after
   * opening, so resources close in the reverse order they opened (the
   * consumer before the producer it writes with). Registering during
   * shutdown closes the resource at once.
   */
  register(name: string, close: () => Promise<void> | void, options?: RegisterOptions): void;
  /** Marks the service ready for traffic, once everything has started. */
  markReady(): void;
  /** Whether the service takes traffic: marked ready and not shutting down. */
  readonly ready: boolean;
  /** A readiness check for the ops server: fails while starting and once shutdown began. */
  readonly readinessCheck: ReadinessCheck;
  /**
   * Marks the service not ready, closes every resource in reverse order
   * (each within its budget; failures are logged, not thrown), then exits.
   * Idempotent: later calls return the same promise.
   */
  shutdown(reason?: string): Promise<void>;
  /** Logs a fatal error and shuts down with exit code 1, e.g. `main().catch(lifecycle.fail)`. */
  fail(error: unknown): Promise<void>;
}

interface Resource {
  readonly name: string;
  readonly close: () => Promise<void> | void;
  readonly timeoutMs: number;
}

/**
 * The shutdown half of a service's `main`: resources register their close
 * function as they open; SIGTERM, SIGINT or {@link Lifecycle.shutdown} close
 * them newest first.
 */
export function createLifecycle(options: LifecycleOptions = {}): Lifecycle {
  const logger = options.logger ?? createLogger({ name: 'lifecycle' });
  const defaultTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const resources: Resource[] = [];
  let markedReady = false;
  let failed = false;
  let stopping: Promise<void> | undefined;

  const closeOne = async (resource: Resource): Promise<boolean> => {
    const startedAt = Date.now();
    try {
      await withTimeBudget(`closing ${resource.name}`, resource.timeoutMs, () => resource.close());
      logger.info({ resource: resource.name, durationMs: Date.now() - startedAt }, 'closed');
      return true;
    } catch (error) {
      logger.error({ err: error, resource: resource.name, durationMs: Date.now() - startedAt }, 'close failed');
      return false;
    }
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(1);
      return;
    }
    void lifecycle.shutdown(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  const lifecycle: Lifecycle = {
    register(name, close, registerOptions = {}) {
      const resource = { name, close, timeoutMs: registerOptions.timeoutMs ?? defaultTimeoutMs };
      if (!stopping) {
        resources.push(resource);
        return;
      }
      logger.warn({ resource: name }, 'registered during shutdown; closing it now');
      void closeOne(resource);
    },
    markReady() {
      if (stopping) return;
      markedReady = true;
      logger.info('ready');
    },
    get ready() {
      return markedReady && !stopping;
    },
    readinessCheck: () => {
      if (stopping) throw new NotReadyError('shutting-down');
      if (!markedReady) throw new NotReadyError('starting');
    },
    shutdown(reason = 'requested') {
      stopping ??= (async () => {
        logger.info({ reason, resources: resources.length }, 'shutting down');
        let allClosed = true;
        for (const resource of [...resources].reverse()) {
          if (!(await closeOne(resource))) allClosed = false;
        }
        for (const signal of signals) process.off(signal, onSignal);
        logger.info({ reason, clean: allClosed }, 'shut down');
        exit(allClosed && !failed ? 0 : 1);
      })();
      return stopping;
    },
    fail(error) {
      logger.fatal({ err: error }, 'fatal error');
      failed = true;
      return lifecycle.shutdown('fatal error');
    },
  };
  return lifecycle;
}
