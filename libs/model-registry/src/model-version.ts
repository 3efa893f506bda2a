/** The names an alias may have; `champion` is the one production traffic follows. */
export const ALIASES = ['champion', 'challenger', 'shadow'] as const;

/** A movable name for one version of a model. */
export type Alias = (typeof ALIASES)[number];

/** The alias that may require an approved version before it moves (see `ModelRegistryOptions.championRequiresApproval`). */
export const PRODUCTION_ALIAS: Alias = 'champion';

/** `registered` until someone approves the version, `approved` after. */
export type VersionStatus = 'registered' | 'approved';

/** Where a version came from, enough to rebuild it. */
export interface Lineage {
  /** Start of the training data window (inclusive), ms since the epoch. */
  readonly trainingWindowStartMs: number;
  /** End of the training data window (exclusive), ms since the epoch. */
  readonly trainingWindowEndMs: number;
  /** Hash of the feature definitions the training set was built with. */
  readonly featureDefinitionsHash: string;
  /** Version of the training code, e.g. a git commit. */
  readonly codeVersion: string;
  /** The version this one was trained to replace or was fine-tuned from, if any. */
  readonly parentVersion?: number;
  /** The training request that produced it, if any. */
  readonly trainingRequestId?: string;
  /** Rows in the training set, if known. */
  readonly trainingRowCount?: number;
}

/** Who approved a version, when and why. */
export interface Approval {
  readonly approvedBy: string;
  readonly approvedAtMs: number;
  readonly reason: string;
}

/** The stored artifact of a version: content-addressed, so the digest is its identity. */
export interface ArtifactRef {
  /** Lowercase hex sha256 of the artifact bytes. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** One registered version of a model, as read back from the registry. */
export interface ModelVersion {
  readonly modelName: string;
  /** Allocated by the registry: 1, 2, 3… per model, never reused. */
  readonly version: number;
  readonly createdAtMs: number;
  /** Who registered it. */
  readonly createdBy: string;
  readonly description: string;
  /** Kind of model, e.g. `gbdt` or `logistic_regression`. */
  readonly modelType: string;
  /** Input feature names in the order the model reads them. */
  readonly featureNames: readonly string[];
  /** Evaluation metrics, e.g. `{ auc: 0.71, log_loss: 0.48 }`. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Training parameters, as strings. */
  readonly params: Readonly<Record<string, string>>;
  /** Free-form labels to search by. */
  readonly tags: Readonly<Record<string, string>>;
  readonly lineage: Lineage;
  readonly artifact: ArtifactRef;
  /** Artifact format, e.g. `onnx`. */
  readonly artifactFormat: string;
  readonly status: VersionStatus;
  readonly approval?: Approval;
  /** The aliases pointing at this version when it was read. */
  readonly aliases: readonly Alias[];
}

/** What kind of change an audit entry (and its lifecycle event) records. */
export type ChangeKind = 'registered' | 'approved' | 'alias_moved' | 'rolled_back' | 'alias_deleted';

/**
 * One change to a model, exactly as kept in its audit history; the same
 * record is published as a lifecycle event.
 */
export interface ModelChange {
  /** Unique and ordered within the model's history (a Redis stream entry id, `<ms>-<seq>`). */
  readonly id: string;
  /** The model's change counter: 1, 2, 3… without gaps. */
  readonly sequence: number;
  readonly kind: ChangeKind;
  readonly modelName: string;
  /** The version registered or approved, or the alias's new target. */
  readonly version?: number;
  /** For alias changes: the alias moved. */
  readonly alias?: Alias;
  /** For alias changes: where the alias pointed before; absent if it was not set. */
  readonly previousVersion?: number;
  /** Who made the change. */
  readonly actor: string;
  /** Why, in the actor's words. */
  readonly reason: string;
  readonly atMs: number;
}

/** An alias change as it happened: where it pointed before and after. */
export interface AliasMove {
  readonly modelName: string;
  readonly alias: Alias;
  /** `null` if the alias was not set. */
  readonly previousVersion: number | null;
  /** `null` if the alias was deleted. */
  readonly version: number | null;
  /** The audit entry of the change; absent when the alias already pointed there and nothing changed. */
  readonly changeId?: string;
}

/** A change with the version it concerns as it is now, the way it is published. */
export interface LifecycleEvent {
  readonly change: ModelChange;
  /** The version the change concerns, read when the event is published; absent for a deleted alias. */
  readonly modelVersion?: ModelVersion;
}
