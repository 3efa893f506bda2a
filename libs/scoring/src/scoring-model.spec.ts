import { createHash } from 'node:crypto';
import { FLIGHT_CATEGORICAL_ATTRIBUTES, flightFeatureNames, flightFeatureSet } from '@tributary/features';
import { createFeatureMatrix, exportOnnx, trainLogisticRegression } from '@tributary/ml';
import { createInMemoryTrainerRegistry, type InMemoryTrainerRegistry } from '@tributary/training/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFeatureMismatchError, ModelVersionNotFoundError, parseModelSpec, resolveScoringModel } from './index.js';

const MODEL = 'flight-delay';

/** A tiny regression on `names`, exported the trainer's way. */
function onnxOn(names: readonly string[]): Uint8Array {
  const rows = 40;
  const columns = names.map((_, f) => Float64Array.from({ length: rows }, (_, r) => (r * (f + 3)) % 17));
  const labels = Float64Array.from({ length: rows }, (_, r) => r % 2);
  const categorical = FLIGHT_CATEGORICAL_ATTRIBUTES.filter((name) => names.includes(name));
  const model = trainLogisticRegression(createFeatureMatrix({ featureNames: [...names], columns, categoricalFeatures: categorical }), labels, { maxIterations: 5 });
  return exportOnnx(model, { modelName: MODEL, modelVersion: 'spec', trainingWindow: { start: '2001-01-01T00:00:00Z', end: '2001-02-01T00:00:00Z' } });
}

async function register(registry: InMemoryTrainerRegistry, onnx: Uint8Array, featureNames: readonly string[]): Promise<number> {
  const sha = createHash('sha256').update(onnx).digest('hex');
  const upload = { modelName: MODEL, modelType: 'logistic_regression', featureNames: [...featureNames], artifactSha256: sha, artifactSizeBytes: BigInt(onnx.length), artifactFormat: 'onnx' };
  return (await registry.register(upload, onnx)).version;
}

describe('parseModelSpec()', () => {
  it('reads a version number, an alias, or champion when none is given', () => {
    expect(parseModelSpec('flight-delay@3')).toEqual({ modelName: MODEL, selector: { kind: 'version', version: 3 } });
    expect(parseModelSpec('flight-delay@challenger')).toEqual({ modelName: MODEL, selector: { kind: 'alias', alias: 'challenger' } });
    expect(parseModelSpec('flight-delay')).toEqual({ modelName: MODEL, selector: { kind: 'alias', alias: 'champion' } });
  });

  it('refuses a spec that cannot name a version, saying what it expects', () => {
    expect(() => parseModelSpec('flight-delay@')).toThrow(/expected <model>\[@<version>\|@<alias>\]/);
    expect(() => parseModelSpec('@3')).toThrow(ModelVersionNotFoundError);
  });
});

describe('resolveScoringModel()', () => {
  const names = flightFeatureNames(flightFeatureSet);
  let registry: InMemoryTrainerRegistry;
  let version: number;
  let reordered: number;

  beforeAll(async () => {
    registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
    version = await register(registry, onnxOn(names), names);
    const swapped = [names[1], names[0], ...names.slice(2)] as string[];
    reordered = await register(registry, onnxOn(swapped), swapped);
    await registry.setAlias({ modelName: MODEL, alias: 'champion', version, expectedVersion: 0, actor: 'spec', reason: 'spec' });
  });

  it('resolves an alias and a version to the artifact and its feature order', async () => {
    const byAlias = await resolveScoringModel(registry, parseModelSpec(MODEL));
    expect(byAlias).toMatchObject({ modelName: MODEL, version, alias: 'champion', featureNames: names });
    const byVersion = await resolveScoringModel(registry, parseModelSpec(`${MODEL}@${version}`));
    expect(byVersion.artifact).toEqual(byAlias.artifact);
    expect(byVersion.alias).toBeUndefined();
  });

  it('says the model, the version or the alias is unknown, listing the versions there are', async () => {
    await expect(resolveScoringModel(registry, parseModelSpec('no-such-model'))).rejects.toThrow('no-such-model@champion: the registry has no model no-such-model');
    await expect(resolveScoringModel(registry, parseModelSpec(`${MODEL}@99`))).rejects.toThrow(
      `${MODEL}@99: version 99 does not exist (versions ${version}, ${reordered})`,
    );
    await expect(resolveScoringModel(registry, parseModelSpec(`${MODEL}@shadow`))).rejects.toThrow(ModelVersionNotFoundError);
    await expect(resolveScoringModel(registry, parseModelSpec(`${MODEL}@shadow`))).rejects.toThrow('alias shadow is not set');
  });

  it('refuses a model whose inputs are not the flight features in serving order', async () => {
    await expect(resolveScoringModel(registry, parseModelSpec(`${MODEL}@${reordered}`))).rejects.toThrow(ModelFeatureMismatchError);
    await expect(resolveScoringModel(registry, parseModelSpec(`${MODEL}@${reordered}`))).rejects.toThrow(`input 0 is ${names[1]}, the flight features have ${names[0]} there`);
  });
});
