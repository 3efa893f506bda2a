import { flightFeatureNames, flightFeatureSet } from '@tributary/features';
import { readOnnxMetadata } from '@tributary/ml';
import type { RegistryClient } from '@tributary/model-registry/client';
import { ModelFeatureMismatchError, ModelVersionNotFoundError } from './errors.js';

/** `flight-delay`, `flight-delay@7` or `flight-delay@challenger`: a model and which of its versions. */
export interface ModelSpec {
  readonly modelName: string;
  /** A version number, or an alias resolved when the job starts. */
  readonly selector: { readonly kind: 'version'; readonly version: number } | { readonly kind: 'alias'; readonly alias: string };
}

/** The alias a spec without `@` means. */
export const DEFAULT_ALIAS = 'champion';

/** Parses `name[@version|@alias]`; throws {@link ModelVersionNotFoundError} for a spec that cannot name a version. */
export function parseModelSpec(text: string): ModelSpec {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@([A-Za-z0-9_-]+))?$/.exec(text.trim());
  if (!match) throw new ModelVersionNotFoundError(text, 'expected <model>[@<version>|@<alias>], e.g. flight-delay@3 or flight-delay@champion');
  const [, modelName = '', selector] = match;
  if (selector === undefined) return { modelName, selector: { kind: 'alias', alias: DEFAULT_ALIAS } };
  if (/^\d+$/.test(selector)) return { modelName, selector: { kind: 'version', version: Number(selector) } };
  return { modelName, selector: { kind: 'alias', alias: selector } };
}

/** `flight-delay@champion` */
export function formatModelSpec(spec: ModelSpec): string {
  return `${spec.modelName}@${spec.selector.kind === 'version' ? spec.selector.version : spec.selector.alias}`;
}

/** A version ready to score: its ONNX file, checked to read the flight features in their serving order. */
export interface ScoringModel {
  readonly modelName: string;
  readonly version: number;
  readonly modelType: string;
  /** The alias it was reached through, when it was. */
  readonly alias?: string;
  readonly artifact: Uint8Array;
  readonly featureNames: readonly string[];
}

/**
 * Resolves a spec through the registry and downloads the version's artifact.
 * An unknown model, alias or version, or an artifact that is not ONNX, is a
 * {@link ModelVersionNotFoundError}; a model whose inputs are not the flight
 * features in {@link flightFeatureNames} order a {@link ModelFeatureMismatchError}.
 */
export async function resolveScoringModel(registry: RegistryClient, spec: ModelSpec): Promise<ScoringModel> {
  const asked = formatModelSpec(spec);
  const { modelName, selector } = spec;
  const found =
    selector.kind === 'alias'
      ? await registry.getByAlias(modelName, selector.alias)
      : (await registry.findByTags(modelName, {})).find((v) => v.version === selector.version);
  if (!found) {
    const known = await registry.findByTags(modelName, {});
    if (known.length === 0) throw new ModelVersionNotFoundError(asked, `the registry has no model ${modelName}`);
    const versions = known.map((v) => v.version).sort((a, b) => a - b);
    const what = selector.kind === 'alias' ? `alias ${selector.alias} is not set` : `version ${selector.version} does not exist`;
    throw new ModelVersionNotFoundError(asked, `${what} (versions ${versions.join(', ')})`);
  }
  if (found.artifactFormat !== 'onnx') throw new ModelVersionNotFoundError(asked, `v${found.version} is ${found.artifactFormat}, not onnx`);
  const artifact = await registry.downloadArtifact(modelName, found.version);
  let featureNames: string[];
  try {
    featureNames = readOnnxMetadata(artifact).features.map((f) => f.name);
  } catch (error) {
    throw new ModelFeatureMismatchError(asked, `v${found.version}'s artifact is not a Tributary ONNX model (${(error as Error).message})`);
  }
  const expected = flightFeatureNames(flightFeatureSet);
  if (featureNames.join('\n') !== expected.join('\n')) {
    const differs = expected.findIndex((name, i) => featureNames[i] !== name);
    const first = differs === -1 ? expected.length : differs;
    throw new ModelFeatureMismatchError(asked, `input ${first} is ${featureNames[first] ?? 'missing'}, the flight features have ${expected[first] ?? 'none'} there`);
  }
  return {
    modelName,
    version: found.version,
    modelType: found.modelType,
    ...(selector.kind === 'alias' ? { alias: selector.alias } : {}),
    artifact,
    featureNames,
  };
}
