import { createLogger, type Logger } from '@tributary/observability';
import { isCallerError } from './caller-error.js';
import { FallbackExhaustedError, type TierFailure } from './errors.js';
import { resilienceMetrics } from './metrics.js';

/** One way of answering, e.g. the primary model. */
export interface FallbackTier<I, T> {
  /** Name reported with the answer and in metrics, e.g. `primary-model`. */
  readonly tier: string;
  /** Produces the answer or throws to hand over to the next tier. */
  run(input: I): T | Promise<T>;
}

/** An answer and the tier that served it. */
export interface FallbackResult<T> {
  readonly value: T;
  /** The tier that answered. */
  readonly tier: string;
  /** Why earlier tiers did not answer, in the order tried; empty when the first did. */
  readonly failures: readonly TierFailure[];
}

/** Options of {@link createFallbackChain}. */
export interface FallbackChainOptions {
  /** Name used in metrics, logs and errors. Default: `fallback`. */
  readonly name?: string;
  /**
   * Whether a tier's failure hands over to the next tier. Others are
   * rethrown at once, so a fallback never hides bad input. Default:
   * anything but a caller error ({@link isCallerError}).
   */
  readonly shouldFallBack?: (error: unknown, tier: string) => boolean;
  /** Where hand-overs are logged (debug). Default: a logger named `fallback-chain`. */
  readonly logger?: Logger;
}

/** Tiers tried in order until one answers. */
export interface FallbackChain<I, T> {
  /** Runs the tiers in order; throws {@link FallbackExhaustedError} when every tier failed. */
  run(input: I): Promise<FallbackResult<T>>;
}

/**
 * A chain of ways to answer, best first (primary model → fallback model →
 * rules → default). Every answer says which tier served it and is counted in
 * `tributary_fallback_served_total{chain,tier}`.
 */
export function createFallbackChain<I, T>(tiers: readonly FallbackTier<I, T>[], options: FallbackChainOptions = {}): FallbackChain<I, T> {
  if (tiers.length === 0) throw new RangeError('a fallback chain needs at least one tier');
  const name = options.name ?? 'fallback';
  const shouldFallBack = options.shouldFallBack ?? ((error: unknown) => !isCallerError(error));
  const logger = options.logger ?? createLogger({ name: 'fallback-chain' });
  const served = resilienceMetrics().fallbackServed;

  return {
    async run(input) {
      const failures: TierFailure[] = [];
      for (const { tier, run } of tiers) {
        try {
          const value = await run(input);
          served.inc({ chain: name, tier });
          return { value, tier, failures };
        } catch (error) {
          if (!shouldFallBack(error, tier)) throw error;
          failures.push({ tier, error });
          logger.debug({ chain: name, tier, err: error }, 'tier failed; trying the next');
        }
      }
      throw new FallbackExhaustedError(name, failures);
    },
  };
}
