import { createLogger, type Logger } from '@tributary/observability';
import CircuitBreaker from 'opossum';
import { isCallerError } from './caller-error.js';
import { BreakerOpenError, BreakerShutdownError, BreakerTimeoutError } from './errors.js';
import { resilienceMetrics } from './metrics.js';

/** Where a breaker is: letting calls through, trying one call, or failing fast. */
export type BreakerState = 'closed' | 'half-open' | 'open';

/** The value of `tributary_breaker_state` for each state. */
const stateGaugeValue: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** Options of {@link createBreaker}. */
export interface BreakerOptions<A extends unknown[], R> {
  /** A call slower than this fails with {@link BreakerTimeoutError} and counts as a failure; `false` disables it. Default: 3 000 ms. */
  readonly timeoutMs?: number | false;
  /** Share of failed calls in the rolling window above which the breaker opens, in percent. Default: 50. */
  readonly errorThresholdPercentage?: number;
  /** Calls the rolling window must hold before the breaker may open, so a few early failures do not trip it. Default: 10. */
  readonly volumeThreshold?: number;
  /** How long an open breaker fails fast before letting one trial call through (half-open). Default: 10 000 ms. */
  readonly resetTimeoutMs?: number;
  /** Length of the rolling window the failure share is computed over. Default: 10 000 ms. */
  readonly rollingWindowMs?: number;
  /** Buckets the rolling window is divided into; `rollingWindowMs` must be a multiple. Default: 10. */
  readonly rollingWindowBuckets?: number;
  /**
   * Whether a failure says the dependency is unwell. Others (bad input, not
   * found…) are rethrown without counting. Default: anything but a
   * caller error ({@link isCallerError}).
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Answers instead when a call fails, times out or is refused (not for caller errors). Default: none, the error is thrown. */
  readonly fallback?: (error: unknown, ...args: A) => R | Promise<R>;
  /** Where state changes are logged. Default: a logger named `breaker`. */
  readonly logger?: Logger;
}

/** A circuit breaker around one action. */
export interface Breaker<A extends unknown[], R> {
  /** The name used in metrics, logs and errors. */
  readonly name: string;
  /** The breaker's state now. */
  readonly state: BreakerState;
  /**
   * Calls the action through the breaker. Fails fast with
   * {@link BreakerOpenError} while open, with {@link BreakerTimeoutError}
   * after `timeoutMs`; any other failure is rethrown as the action threw it.
   */
  fire(...args: A): Promise<R>;
  /** Stops the breaker's timers; later calls fail with {@link BreakerShutdownError}. Idempotent. */
  shutdown(): void;
}

/**
 * A circuit breaker (opossum) with the project's defaults. Only failures that
 * say the dependency is unwell count; state changes are logged and exported
 * as `tributary_breaker_state{breaker}`, outcomes as
 * `tributary_breaker_events_total{breaker,event}`.
 */
export function createBreaker<A extends unknown[], R>(
  name: string,
  action: (...args: A) => Promise<R>,
  options: BreakerOptions<A, R> = {},
): Breaker<A, R> {
  const logger = options.logger ?? createLogger({ name: 'breaker' });
  const isFailure = options.isFailure ?? ((error: unknown) => !isCallerError(error));
  const timeoutMs = options.timeoutMs ?? 3_000;
  const resetTimeoutMs = options.resetTimeoutMs ?? 10_000;
  const metrics = resilienceMetrics();
  const circuit = new CircuitBreaker<A, R>(action, {
    name,
    timeout: timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 10,
    resetTimeout: resetTimeoutMs,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    rollingCountBuckets: options.rollingWindowBuckets ?? 10,
    // Both off: with percentiles on, reading the stats concatenates and sorts the latency of every call in the window
    // (tens of thousands under load), which opossum does on every failure — melting the event loop just when a
    // dependency fails — and, for the snapshots nobody here listens to, once a bucket (every second) per breaker.
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    errorFilter: (error: unknown) => !isFailure(error),
  });

  // Errors opossum makes itself, told apart from the action's own by identity.
  const refusals = new WeakSet<object>();
  const timeouts = new WeakSet<object>();
  const count = (event: string) => metrics.breakerEvents.inc({ breaker: name, event });
  const setState = (state: BreakerState) => metrics.breakerState.set({ breaker: name }, stateGaugeValue[state]);
  setState('closed');

  circuit.on('success', () => count('success'));
  circuit.on('failure', () => count('failure'));
  circuit.on('timeout', (error: object) => {
    timeouts.add(error);
    count('timeout');
  });
  circuit.on('reject', (error: object) => {
    refusals.add(error);
    count('reject');
  });
  circuit.on('open', () => {
    setState('open');
    const { failures, fires } = circuit.stats;
    logger.warn({ breaker: name, failures, calls: fires, resetTimeoutMs }, 'circuit breaker opened');
  });
  circuit.on('halfOpen', () => {
    setState('half-open');
    logger.info({ breaker: name }, 'circuit breaker half-open; letting a trial call through');
  });
  circuit.on('close', () => {
    setState('closed');
    logger.info({ breaker: name }, 'circuit breaker closed');
  });

  const translate = (error: unknown): unknown => {
    if (typeof error !== 'object' || error === null) return error;
    if (refusals.has(error)) return new BreakerOpenError(name);
    if (timeouts.has(error)) return new BreakerTimeoutError(name, timeoutMs === false ? 0 : timeoutMs);
    return error;
  };

  return {
    name,
    get state(): BreakerState {
      if (circuit.opened) return 'open';
      return circuit.halfOpen ? 'half-open' : 'closed';
    },
    async fire(...args: A): Promise<R> {
      if (circuit.isShutdown) throw new BreakerShutdownError(name);
      try {
        return await circuit.fire(...args);
      } catch (raw) {
        const error = translate(raw);
        if (!options.fallback || !isFailure(error)) throw error;
        count('fallback');
        return options.fallback(error, ...args);
      }
    },
    shutdown() {
      if (!circuit.isShutdown) circuit.shutdown();
    },
  };
}
