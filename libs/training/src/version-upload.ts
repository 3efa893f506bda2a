import { createHash } from 'node:crypto';
import type { ReferenceProfile } from '@tributary/contracts';
import type { BinaryClassifier } from '@tributary/ml';
import type { VersionUpload } from '@tributary/model-registry/client';
import { formatTimeRange, timeWindowOf } from './time-range.js';
import type { TrainingPlan } from './training-plan.js';

/** A model's place in a run: the primary serves, the fallback answers when the primary cannot. */
export type ModelRole = 'primary' | 'fallback';

/** Tags the trainer puts on every version it registers. */
export const TRAINER_TAGS = {
  /** The training request that produced the version: re-delivered requests find their versions by it. */
  requestId: 'training_request_id',
  /** `primary` or `fallback`. */
  role: 'role',
  /** On a primary: the version number of its fallback model. */
  fallbackVersion: 'fallback_version',
  /** On a primary: why it serves rather than its fallback (the better holdout AUC of the two). */
  primaryChoice: 'primary_choice',
  /** The drift report that caused the request (`drift_report_id`), when one did: the way back from a version to the window it was trained for. */
  driftReportId: 'drift_report_id',
} as const;

/** What registration needs of a trained model: the model, its verified ONNX file, metrics, parameters and reference profile. */
export interface RegistrableModel {
  readonly role: ModelRole;
  /** The model, or what registration reads of it. */
  readonly model: Pick<BinaryClassifier, 'kind' | 'featureNames'>;
  /** The ONNX file. */
  readonly artifact: Uint8Array;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly profile: ReferenceProfile;
}

/** What a version's registration declares: the model and where it came from. */
export interface VersionUploadInput extends RegistrableModel {
  readonly plan: TrainingPlan;
  /** Version hash of the feature definitions the training set was joined with. */
  readonly featureDefinitionsHash: string;
  readonly codeVersion: string;
  /** The champion the run set out to replace; 0 if none. */
  readonly parentVersion: number;
  readonly trainingRowCount: number;
  /** Who registers (the `created_by`), e.g. `trainer`. */
  readonly actor: string;
  /** Who asked for the run, e.g. `drift-monitor`. */
  readonly requestedBy: string;
  /** The drift report that caused the request; empty or absent when none did. */
  readonly driftReportId?: string;
  /** More tags, e.g. the fallback's version on a primary. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Lower-case hex sha256 of bytes: the artifact's address in the registry. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The registry upload message of a trained model: metrics, parameters, lineage, reference profile and artifact digest. */
export function versionUpload(input: VersionUploadInput): VersionUpload {
  const { plan, role, model } = input;
  return {
    modelName: plan.modelName,
    modelType: model.kind === 'gbdt' ? 'gbdt' : 'logistic_regression',
    featureNames: [...model.featureNames],
    metrics: { ...input.metrics },
    params: { ...input.params },
    lineage: {
      trainingWindow: timeWindowOf(plan.train),
      featureDefinitionsHash: input.featureDefinitionsHash,
      codeVersion: input.codeVersion,
      parentVersion: input.parentVersion,
      trainingRequestId: plan.requestId,
      trainingRowCount: input.trainingRowCount,
    },
    referenceProfile: input.profile,
    artifactSha256: sha256Hex(input.artifact),
    artifactSizeBytes: BigInt(input.artifact.length),
    artifactFormat: 'onnx',
    tags: {
      ...input.tags,
      [TRAINER_TAGS.requestId]: plan.requestId,
      [TRAINER_TAGS.role]: role,
      validation_window: formatTimeRange(plan.validation),
      holdout_window: formatTimeRange(plan.holdout),
      requested_by: input.requestedBy,
      ...(input.driftReportId ? { [TRAINER_TAGS.driftReportId]: input.driftReportId } : {}),
    },
    description: `${role} ${model.kind} model of ${plan.modelName}, trained on ${formatTimeRange(plan.train)} for request ${plan.requestId}${input.driftReportId ? ` (drift report ${input.driftReportId})` : ''}`,
    createdBy: input.actor,
  };
}
