import { create } from '@bufbuild/protobuf';
import { ModelVersionSchema, ModelVersionUploadSchema, type ModelVersion } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { AliasMoveRequest, RegistryClient, VersionUpload } from '@tributary/model-registry/client';
import { sha256Hex } from '../version-upload.js';

/** Options of {@link createInMemoryTrainerRegistry}. */
export interface InMemoryTrainerRegistryOptions {
  /** Models whose champion may move to an unapproved version, as the registry's exempt list. Default: none. */
  readonly approvalExemptModels?: readonly string[];
}

/** A {@link RegistryClient} in memory, with what a test wants to look at. */
export interface InMemoryTrainerRegistry extends RegistryClient {
  /** Every version of a model, oldest first. */
  versions(modelName: string): readonly ModelVersion[];
  /** Where an alias points, 0 when unset. */
  alias(modelName: string, alias: string): number;
  /** Artifact bytes by sha256. */
  readonly artifacts: ReadonlyMap<string, Uint8Array>;
  /** Marks a version approved, as an operator would. */
  approve(modelName: string, version: number): void;
  /** Called before each registration; throwing fails it, e.g. to test a run that dies half-way. */
  beforeRegister(hook: ((upload: VersionUpload) => void) | undefined): void;
}

/**
 * The registry's rules in memory, for unit tests of the training run: numbered
 * versions per model, the artifact checked against the declared sha256 and
 * size, compare-and-set aliases (ABORTED), `champion` only to approved
 * versions unless the model is exempt (FAILED_PRECONDITION), NOT_FOUND for
 * unknown models, versions and aliases. The real one is the registry service.
 */
export function createInMemoryTrainerRegistry(options: InMemoryTrainerRegistryOptions = {}): InMemoryTrainerRegistry {
  const exempt = new Set(options.approvalExemptModels ?? []);
  const models = new Map<string, { versions: ModelVersion[]; aliases: Map<string, number> }>();
  const artifacts = new Map<string, Uint8Array>();
  let hook: ((upload: VersionUpload) => void) | undefined;

  const model = (name: string) => {
    const found = models.get(name);
    if (!found) throw new TributaryError(Code.NotFound, `model ${name} not found`);
    return found;
  };
  const version = (name: string, number: number) => {
    const found = model(name).versions.find((v) => v.version === number);
    if (!found) throw new TributaryError(Code.NotFound, `${name} v${number} not found`);
    return found;
  };
  const withAliases = (name: string, v: ModelVersion): ModelVersion => ({
    ...v,
    aliases: [...model(name).aliases].filter(([, target]) => target === v.version).map(([alias]) => alias),
  });

  return {
    artifacts,
    versions: (name) => models.get(name)?.versions.map((v) => withAliases(name, v)) ?? [],
    alias: (name, alias) => models.get(name)?.aliases.get(alias) ?? 0,
    approve(name, number) {
      const v = version(name, number);
      v.approval = { $typeName: 'tributary.v1.Approval', approvedBy: 'test', reason: 'test', approvedTime: undefined };
    },
    beforeRegister(next) {
      hook = next;
    },

    async getByAlias(name, alias) {
      const target = models.get(name)?.aliases.get(alias);
      return target === undefined ? undefined : withAliases(name, version(name, target));
    },
    async findByTags(name, tags) {
      const found = models.get(name)?.versions ?? [];
      return found
        .filter((v) => Object.entries(tags).every(([tag, value]) => v.tags[tag] === value))
        .reverse()
        .map((v) => withAliases(name, v));
    },
    async downloadArtifact(name, number) {
      const bytes = artifacts.get(version(name, number).artifactSha256);
      if (!bytes) throw new TributaryError(Code.NotFound, `artifact of ${name} v${number} not found`);
      return bytes;
    },
    async register(upload: VersionUpload, artifact: Uint8Array) {
      hook?.(upload);
      const modelName = upload.modelName ?? '';
      if (upload.artifactSha256 !== sha256Hex(artifact) || upload.artifactSizeBytes !== BigInt(artifact.length)) {
        throw new TributaryError(Code.InvalidArgument, 'artifact does not match its declared sha256 and size');
      }
      let entry = models.get(modelName);
      if (!entry) models.set(modelName, (entry = { versions: [], aliases: new Map() }));
      // Through the upload message, so defaults are filled in exactly as the registry's decoding would.
      const { $typeName: _upload, ...fields } = create(ModelVersionUploadSchema, upload);
      const registered = create(ModelVersionSchema, { ...fields, version: entry.versions.length + 1 });
      entry.versions.push(registered);
      artifacts.set(registered.artifactSha256, artifact);
      return registered;
    },
    async setAlias(move: AliasMoveRequest) {
      const entry = model(move.modelName);
      const target = version(move.modelName, move.version);
      const current = entry.aliases.get(move.alias) ?? 0;
      if (current !== move.expectedVersion) throw new TributaryError(Code.Aborted, `${move.alias} points at v${current}, not v${move.expectedVersion}`);
      if (move.alias === 'champion' && !target.approval && !exempt.has(move.modelName)) {
        throw new TributaryError(Code.FailedPrecondition, `v${move.version} is not approved`);
      }
      entry.aliases.set(move.alias, move.version);
    },
  };
}
