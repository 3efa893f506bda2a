import { Code, TributaryError } from '@tributary/errors';
import type { ModelRegistryService } from '@tributary/contracts';
import type { ReferenceSource, VersionReference } from '@tributary/drift';
import type { Client } from '@tributary/grpc';

/** Options of {@link createRegistryReferences}. */
export interface RegistryReferencesOptions {
  /** Deadline of each registry call, ms. Default: 10 000. */
  readonly timeoutMs?: number;
}

/**
 * Reference profiles and holdout AUCs of model versions, read from the
 * registry once per version (a registered version never changes). A version
 * unknown to the registry, or without a profile, has no reference; a registry
 * outage fails the pass, which the next pass retries.
 */
export function createRegistryReferences(client: Client<typeof ModelRegistryService>, options: RegistryReferencesOptions = {}): ReferenceSource {
  const { timeoutMs = 10_000 } = options;
  const cache = new Map<string, Promise<VersionReference | undefined>>();
  const read = async (modelName: string, version: number): Promise<VersionReference | undefined> => {
    try {
      const { modelVersion } = await client.getModelVersion({ modelName, selector: { case: 'version', value: version } }, { timeoutMs });
      if (modelVersion?.referenceProfile === undefined) return undefined;
      const holdoutAuc = modelVersion.metrics['holdout_auc'];
      return { profile: modelVersion.referenceProfile, ...(holdoutAuc === undefined ? {} : { holdoutAuc }) };
    } catch (error) {
      if (error instanceof TributaryError && error.code === Code.NotFound) return undefined;
      throw error;
    }
  };
  return {
    get(modelName, version) {
      const key = `${modelName}@${version}`;
      let reference = cache.get(key);
      if (reference === undefined) {
        reference = read(modelName, version);
        // A failed read is not remembered: the next pass asks again.
        reference.catch(() => cache.delete(key));
        cache.set(key, reference);
      }
      return reference;
    },
  };
}
