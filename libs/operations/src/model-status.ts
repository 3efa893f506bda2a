import type { GRPCInferenceService } from '@tributary/contracts';
import type { Client } from '@tributary/grpc';
import { ALIASES } from '@tributary/model-registry';
import type { RegistryClient } from '@tributary/model-registry/client';

/** One loaded version the inference service serves. */
export interface ServedVersion {
  readonly model: string;
  readonly version: number;
  /** Requests it answered since it was loaded. */
  readonly inferenceCount: number;
}

/** What the inference service says it serves: every loaded version of every model. */
export type ServedVersionsSource = () => Promise<readonly ServedVersion[]>;

/** One model's aliases in the registry beside the versions inference has loaded. */
export interface ModelStatus {
  readonly model: string;
  /** Each alias of the registry and the version it points at; undefined when the alias is not set. */
  readonly aliases: Readonly<Record<string, number | undefined>>;
  /** Why the registry could not say; undefined when it answered. */
  readonly registryError?: string;
  /** Versions the inference service has loaded, newest first; undefined when it could not say. */
  readonly served?: readonly ServedVersion[];
  /** Why the inference service could not say. */
  readonly servedError?: string;
}

/** The versions loaded in the inference service, from its KServe/Triton `ModelStatistics` (every model, every version). */
export function servedVersionsFromInference(client: Client<typeof GRPCInferenceService>, timeoutMs = 3_000): ServedVersionsSource {
  return async () => {
    const response = await client.modelStatistics({ name: '', version: '' }, { timeoutMs });
    return response.modelStats.map((stats) => ({ model: stats.name, version: Number(stats.version), inferenceCount: Number(stats.inferenceCount) }));
  };
}

/**
 * For each model: where the registry's aliases point and which versions the
 * inference service has loaded. Either side failing is reported on the
 * model, never thrown, so the other side is still shown.
 */
export async function collectModelStatus(models: readonly string[], registry: RegistryClient | undefined, served: ServedVersionsSource | undefined): Promise<ModelStatus[]> {
  const servedVersions = served ? await served().then((versions) => ({ versions }), (error: unknown) => ({ error: messageOf(error) })) : undefined;
  return Promise.all(
    models.map(async (model) => {
      let aliases: Record<string, number | undefined> = {};
      let registryError: string | undefined;
      if (registry) {
        try {
          const versions = await Promise.all(ALIASES.map((alias) => registry.getByAlias(model, alias)));
          aliases = Object.fromEntries(ALIASES.map((alias, i) => [alias, versions[i]?.version]));
        } catch (error) {
          registryError = messageOf(error);
        }
      }
      const status: ModelStatus = { model, aliases, ...(registryError === undefined ? {} : { registryError }) };
      if (!servedVersions) return status;
      if ('error' in servedVersions) return { ...status, servedError: servedVersions.error };
      const mine = servedVersions.versions.filter((version) => version.model === model).sort((a, b) => b.version - a.version);
      return { ...status, served: mine };
    }),
  );
}

function messageOf(error: unknown): string {
  // @grpc/grpc-js ends a connection failure with an empty "Resolution note:".
  return (error instanceof Error ? error.message : String(error)).replace(/\.?\s*Resolution note:\s*$/, '');
}
