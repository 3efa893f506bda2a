/**
 * @tributary/model-registry — the model registry's logic, testable without a
 * server: versions, aliases moved by compare-and-set, approvals and audit
 * history in Redis (one atomic Lua script per change, audit and outbox
 * included), content-addressed artifacts behind a small store interface, and
 * lifecycle events relayed from the outbox to a publisher at least once.
 * The gRPC service in apps/registry is wiring around {@link createModelRegistry}.
 */
export type { ArtifactPutOptions, ArtifactSource, ArtifactStore } from './artifact-store.js';
export {
  AliasConflictError,
  AliasNotSetError,
  ApprovalRequiredError,
  ArtifactDigestMismatchError,
  ArtifactNotFoundError,
  ArtifactSizeMismatchError,
  ArtifactTooLargeError,
  InvalidRegistryArgumentError,
  ModelNotFoundError,
  ModelVersionAlreadyExistsError,
  ModelVersionNotFoundError,
  NothingToRollBackError,
  VersionAlreadyApprovedError,
} from './errors.js';
export type { LifecyclePublisher } from './lifecycle-publisher.js';
export { createLocalArtifactStore, type LocalArtifactStoreOptions } from './local-artifact-store.js';
export {
  createModelRegistry,
  type ApproveVersionInput,
  type AuditHistoryOptions,
  type DeleteAliasInput,
  type ListVersionsOptions,
  type ModelRegistry,
  type ModelRegistryOptions,
  type OpenedArtifact,
  type RegisterVersionInput,
  type RollBackAliasInput,
  type SetAliasInput,
  type VersionFilter,
  type VersionPage,
  type VersionQuery,
} from './model-registry.js';
export {
  ALIASES,
  PRODUCTION_ALIAS,
  type Alias,
  type AliasMove,
  type Approval,
  type ArtifactRef,
  type ChangeKind,
  type LifecycleEvent,
  type Lineage,
  type ModelChange,
  type ModelVersion,
  type VersionStatus,
} from './model-version.js';
export { assertAlias, assertModelName, assertSha256 } from './validation.js';
