import type { ModelVersion } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { RegistryClient } from '@tributary/model-registry/client';
import { evaluationFromMetrics, type ModelEvaluation } from './evaluate-model.js';
import { ONNX_PARITY_METRIC, ONNX_PARITY_TOLERANCE } from './fit-candidates.js';
import type { ChampionComparison } from './promotion-policy.js';
import { TRAINER_TAGS, sha256Hex } from './version-upload.js';

/** A primary and the fallback it names, both registered and verified by an earlier delivery of the request. */
export interface RegisteredPair {
  readonly primary: ModelVersion;
  readonly fallback: ModelVersion;
  /** The primary's holdout evaluation, as recorded in its metrics. */
  readonly evaluation: ModelEvaluation;
  /** The champion as the earlier delivery compared it, from the primary's lineage and metrics. */
  readonly champion: ChampionComparison;
}

/** What earlier deliveries of a training request left in the registry. */
export interface EarlierDelivery {
  /** Every version tagged with the request's id, newest first. */
  readonly versions: readonly ModelVersion[];
  /** A complete, verified pair: nothing to train or register, only promotion may be left to do. */
  readonly pair?: RegisteredPair;
  /** Without a pair: a verified fallback to register the primary beside, instead of another fallback. */
  readonly fallback?: ModelVersion;
}

/**
 * Finds what earlier deliveries of `requestId` registered (by the
 * `training_request_id` tag every version of a run carries) and which of it
 * can be trusted: a version counts when its ONNX artifact is in the store
 * with the digest it was registered with and its recorded ONNX parity is
 * within tolerance — what a run checks before it registers. A primary counts
 * only with its fallback, since inference needs both; a primary whose
 * fallback is missing or broken is left aside (no alias ever points at it)
 * and the request is trained again.
 */
export async function findEarlierDelivery(registry: RegistryClient, modelName: string, requestId: string): Promise<EarlierDelivery> {
  const versions = await registry.findByTags(modelName, { [TRAINER_TAGS.requestId]: requestId });
  const checked = new Map<number, Promise<boolean>>();
  const verified = (v: ModelVersion) => {
    let result = checked.get(v.version);
    if (!result) checked.set(v.version, (result = isVerified(registry, v)));
    return result;
  };
  const withRole = (role: string) => versions.filter((v) => v.tags[TRAINER_TAGS.role] === role);

  for (const primary of withRole('primary')) {
    const fallback = withRole('fallback').find((v) => String(v.version) === primary.tags[TRAINER_TAGS.fallbackVersion]);
    const evaluation = evaluationFromMetrics(primary.metrics, 'holdout_');
    if (fallback && evaluation && (await verified(primary)) && (await verified(fallback))) {
      return { versions, pair: { primary, fallback, evaluation, champion: recordedChampion(primary) } };
    }
  }
  for (const fallback of withRole('fallback')) {
    if (await verified(fallback)) return { versions, fallback };
  }
  return { versions };
}

async function isVerified(registry: RegistryClient, version: ModelVersion): Promise<boolean> {
  const parity = version.metrics[ONNX_PARITY_METRIC];
  if (version.artifactFormat !== 'onnx' || parity === undefined || !(parity <= ONNX_PARITY_TOLERANCE)) return false;
  try {
    return sha256Hex(await registry.downloadArtifact(version.modelName, version.version)) === version.artifactSha256;
  } catch (error) {
    // A lost artifact makes the version unusable; an outage is the caller's to retry.
    if (error instanceof TributaryError && error.code === Code.NotFound) return false;
    throw error;
  }
}

/** The champion a primary was compared with: its lineage's parent, scored when its `champion_holdout_*` metrics were recorded. */
function recordedChampion(primary: ModelVersion): ChampionComparison {
  const version = primary.lineage?.parentVersion ?? 0;
  if (version === 0) return { kind: 'none' };
  const evaluation = evaluationFromMetrics(primary.metrics, 'champion_holdout_');
  return evaluation ? { kind: 'scored', version, evaluation } : { kind: 'unscored', version, reason: 'it was not scored on the holdout when the request was trained' };
}
