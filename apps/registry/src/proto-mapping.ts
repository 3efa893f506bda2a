/**
 * Translation between the registry's domain types and the `tributary.v1`
 * messages: the one place that knows proto3's conventions (0 and "" mean
 * unset, sizes are uint64, times are Timestamps).
 */
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import {
  type LineageSchema,
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  type ModelVersionSchema,
  ReferenceProfileSchema,
  type Lineage as LineageMessage,
  type ModelLifecycleEvent,
  type ModelVersionUpload,
  type ReferenceProfile,
} from '@tributary/contracts';
import {
  InvalidRegistryArgumentError,
  type ChangeKind,
  type LifecycleEvent,
  type Lineage,
  type ModelChange,
  type ModelVersion,
  type RegisterVersionInput,
} from '@tributary/model-registry';

/** A `ModelVersion` message of a domain version, with its reference profile if it was read. */
export function toModelVersionMessage(version: ModelVersion, referenceProfile?: ReferenceProfile): MessageInitShape<typeof ModelVersionSchema> {
  return {
    modelName: version.modelName,
    version: version.version,
    modelType: version.modelType,
    featureNames: [...version.featureNames],
    metrics: { ...version.metrics },
    params: { ...version.params },
    lineage: toLineageMessage(version.lineage),
    ...(referenceProfile ? { referenceProfile } : {}),
    artifactSha256: version.artifact.sha256,
    artifactSizeBytes: BigInt(version.artifact.sizeBytes),
    artifactFormat: version.artifactFormat,
    tags: { ...version.tags },
    description: version.description,
    createdBy: version.createdBy,
    createdTime: timestampFromMs(version.createdAtMs),
    ...(version.approval
      ? {
          approval: {
            approvedBy: version.approval.approvedBy,
            approvedTime: timestampFromMs(version.approval.approvedAtMs),
            reason: version.approval.reason,
          },
        }
      : {}),
    aliases: [...version.aliases],
  };
}

function toLineageMessage(lineage: Lineage): MessageInitShape<typeof LineageSchema> {
  return {
    trainingWindow: { startTime: timestampFromMs(lineage.trainingWindowStartMs), endTime: timestampFromMs(lineage.trainingWindowEndMs) },
    featureDefinitionsHash: lineage.featureDefinitionsHash,
    codeVersion: lineage.codeVersion,
    parentVersion: lineage.parentVersion ?? 0,
    trainingRequestId: lineage.trainingRequestId ?? '',
    trainingRowCount: lineage.trainingRowCount ?? 0,
  };
}

/**
 * The registration input of an upload's metadata message. The lib validates
 * names and values; this checks only what proto3 cannot say (required messages).
 */
export function fromUpload(upload: ModelVersionUpload): RegisterVersionInput {
  if (upload.artifactSizeBytes === 0n) throw new InvalidRegistryArgumentError('metadata.artifact_size_bytes', 'is required');
  return {
    modelName: upload.modelName,
    sha256: upload.artifactSha256,
    sizeBytes: Number(upload.artifactSizeBytes),
    actor: upload.createdBy,
    description: upload.description,
    modelType: upload.modelType,
    featureNames: upload.featureNames,
    artifactFormat: upload.artifactFormat,
    metrics: upload.metrics,
    params: upload.params,
    tags: upload.tags,
    lineage: fromLineageMessage(upload.lineage),
    ...(upload.referenceProfile ? { referenceProfile: toBinary(ReferenceProfileSchema, upload.referenceProfile) } : {}),
  };
}

function fromLineageMessage(lineage: LineageMessage | undefined): Lineage {
  const window = lineage?.trainingWindow;
  if (!lineage || !window?.startTime || !window.endTime) {
    throw new InvalidRegistryArgumentError('metadata.lineage.training_window', 'is required');
  }
  return {
    trainingWindowStartMs: timestampMs(window.startTime),
    trainingWindowEndMs: timestampMs(window.endTime),
    featureDefinitionsHash: lineage.featureDefinitionsHash,
    codeVersion: lineage.codeVersion,
    ...(lineage.parentVersion === 0 ? {} : { parentVersion: lineage.parentVersion }),
    ...(lineage.trainingRequestId === '' ? {} : { trainingRequestId: lineage.trainingRequestId }),
    ...(lineage.trainingRowCount === 0 ? {} : { trainingRowCount: lineage.trainingRowCount }),
  };
}

/** The stored reference profile bytes as a message (they were written from one by {@link fromUpload}). */
export function toReferenceProfile(bytes: Uint8Array | undefined): ReferenceProfile | undefined {
  return bytes === undefined ? undefined : fromBinary(ReferenceProfileSchema, bytes);
}

const eventTypes: Record<ChangeKind, ModelLifecycleEventType> = {
  registered: ModelLifecycleEventType.REGISTERED,
  approved: ModelLifecycleEventType.APPROVED,
  alias_moved: ModelLifecycleEventType.ALIAS_SET,
  // A rollback is an alias set back to its previous version; its reason says so.
  rolled_back: ModelLifecycleEventType.ALIAS_SET,
  alias_deleted: ModelLifecycleEventType.ALIAS_DELETED,
};

/** The stable id of a change: the same change always gets the same id, so consumers can drop duplicates. */
export function lifecycleEventId(change: ModelChange): string {
  return `${change.modelName}/${change.sequence}`;
}

/** The `ModelLifecycleEvent` of a change, with the version it concerns when known. */
export function toLifecycleEventMessage({ change, modelVersion }: LifecycleEvent): ModelLifecycleEvent {
  return create(ModelLifecycleEventSchema, {
    eventId: lifecycleEventId(change),
    type: eventTypes[change.kind],
    modelName: change.modelName,
    sequence: change.sequence,
    version: change.version ?? 0,
    alias: change.alias ?? '',
    previousVersion: change.previousVersion ?? 0,
    actor: change.actor,
    reason: change.reason,
    eventTime: timestampFromMs(change.atMs),
    ...(modelVersion ? { modelVersion: toModelVersionMessage(modelVersion) } : {}),
  });
}
