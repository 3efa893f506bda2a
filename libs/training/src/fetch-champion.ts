import type { RegistryClient } from '@tributary/model-registry/client';
import type { ChampionComparison } from './promotion-policy.js';

/** The champion as a run fetched it: none, one that cannot be scored (and why), or its ONNX artifact to score. */
export type ChampionArtifact =
  | Exclude<ChampionComparison, { readonly kind: 'scored' }>
  | { readonly kind: 'artifact'; readonly version: number; readonly featureNames: readonly string[]; readonly artifact: Uint8Array };

/**
 * The current champion of `modelName` and, when it is ONNX, its artifact:
 * what {@link scoreChampion} needs to score it on a new holdout. Registry
 * failures propagate, as they fail the run anyway.
 */
export async function fetchChampion(registry: RegistryClient, modelName: string): Promise<ChampionArtifact> {
  const champion = await registry.getByAlias(modelName, 'champion');
  if (!champion) return { kind: 'none' };
  const { version } = champion;
  if (champion.artifactFormat !== 'onnx') return { kind: 'unscored', version, reason: `its artifact is ${champion.artifactFormat}, not onnx` };
  return { kind: 'artifact', version, featureNames: champion.featureNames, artifact: await registry.downloadArtifact(modelName, version) };
}
