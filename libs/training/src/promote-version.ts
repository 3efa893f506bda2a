import { Code, TributaryError } from '@tributary/errors';
import type { RegistryClient } from '@tributary/model-registry/client';
import type { Logger } from '@tributary/observability';
import type { ModelEvaluation } from './evaluate-model.js';
import { decidePromotion, type ChampionComparison, type PromotionPolicy } from './promotion-policy.js';

/** What {@link promoteVersion} needs. */
export interface PromoteVersionOptions {
  readonly registry: RegistryClient;
  readonly modelName: string;
  /** The newly registered primary version. */
  readonly version: number;
  /** Its holdout evaluation. */
  readonly evaluation: ModelEvaluation;
  /** The champion as scored on the same holdout. */
  readonly champion: ChampionComparison;
  /** The version's own fallback on the same holdout; a primary worse than it is never promoted. */
  readonly fallbackEvaluation?: ModelEvaluation;
  readonly policy: PromotionPolicy;
  readonly actor: string;
  readonly requestId: string;
  readonly logger: Logger;
}

/** What happened to the aliases, and why. */
export interface PromotionOutcome {
  /** Whether `challenger` now points at the new version. */
  readonly challengerMoved: boolean;
  /** Whether the policy judged the new version better than the champion. */
  readonly recommended: boolean;
  /** Whether `champion` now points at the new version. */
  readonly championMoved: boolean;
  /** The policy's reasoning plus what stopped a recommended move, e.g. a missing approval. */
  readonly reason: string;
}

/** Alias moves tried before giving up on an alias that keeps moving under us. */
const CAS_ATTEMPTS = 3;

/**
 * What the challenger's reason says when the policy recommends the version as
 * champion: where only an operator may move `champion` (under security), a
 * tool acting for one finds the recommendation by it.
 */
export const CHAMPION_RECOMMENDATION = 'recommends it as champion';

/**
 * Points `challenger` at the new version (unless a newer one holds it
 * already), then applies the promotion policy to `champion`: in `perform`
 * mode the alias moves by compare-and-set against the champion that was
 * scored; a model that needs an approval first (FAILED_PRECONDITION) stays at
 * challenger, and so does one whose champion changed meanwhile (ABORTED) —
 * both with the reason logged and returned. In `request` mode the
 * recommendation is only logged for an operator to approve and promote.
 * Idempotent: an alias that already points at the version is not moved
 * again (no second audit entry or lifecycle event), so a redelivered request
 * can finish a promotion its first delivery began.
 */
export async function promoteVersion(options: PromoteVersionOptions): Promise<PromotionOutcome> {
  const { registry, modelName, version, actor, requestId, logger } = options;
  const decision = decidePromotion(options.evaluation, options.champion, options.policy, options.fallbackEvaluation);
  // The challenger's audit entry says what the policy made of the version, promoted or not.
  const challengerMoved = await moveChallenger(options, `trained for request ${requestId}; policy ${decision.promote ? CHAMPION_RECOMMENDATION : 'keeps the champion'}: ${decision.reason}`);
  const outcome = (championMoved: boolean, reason: string): PromotionOutcome => {
    const result = { challengerMoved, recommended: decision.promote, championMoved, reason };
    logger.info({ version, ...result }, championMoved ? 'promoted to champion' : 'not promoted to champion');
    return result;
  };
  if (!decision.promote) return outcome(false, decision.reason);
  if (options.policy.mode === 'request') {
    return outcome(false, `promotion requested, not performed (policy mode "request"): approve v${version} and move champion to it; ${decision.reason}`);
  }
  const expectedVersion = options.champion.kind === 'none' ? 0 : options.champion.version;
  try {
    await registry.setAlias({ modelName, alias: 'champion', version, expectedVersion, actor, reason: `training request ${requestId}: ${decision.reason}` });
    return outcome(true, decision.reason);
  } catch (error) {
    // With zero trust on, only an operator moves champion: the trainer's identity is refused like an unapproved version.
    if (hasCode(error, Code.FailedPrecondition) || hasCode(error, Code.PermissionDenied)) {
      return outcome(false, `stays challenger until approved (${(error as Error).message}); ${decision.reason}`);
    }
    if (hasCode(error, Code.Aborted)) {
      // An earlier delivery of the same request may have moved it already, then died before its offset was committed.
      const current = await registry.getByAlias(modelName, 'champion');
      if (current?.version === version) return outcome(true, `already champion (an earlier delivery of the request moved it); ${decision.reason}`);
      return outcome(false, `champion moved while the run compared against v${expectedVersion}; not replacing it; ${decision.reason}`);
    }
    throw error;
  }
}

async function moveChallenger(options: PromoteVersionOptions, reason: string): Promise<boolean> {
  const { registry, modelName, version, actor, logger } = options;
  for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
    const current = await registry.getByAlias(modelName, 'challenger');
    if (current && current.version >= version) {
      logger.info({ version, challenger: current.version }, 'challenger already points at this or a newer version');
      return current.version === version;
    }
    try {
      await registry.setAlias({ modelName, alias: 'challenger', version, expectedVersion: current?.version ?? 0, actor, reason });
      return true;
    } catch (error) {
      if (!hasCode(error, Code.Aborted)) throw error;
    }
  }
  logger.warn({ version }, 'challenger kept moving; left where it is');
  return false;
}

function hasCode(error: unknown, code: Code): boolean {
  return error instanceof TributaryError && error.code === code;
}
