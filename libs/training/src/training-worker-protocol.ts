/**
 * The messages between a run and its training worker. The input goes in as
 * `workerData` with its typed arrays transferred, not copied (the full
 * dataset is ~1 GB of columns); the worker answers with progress, the end of
 * each stage, and one result or one failure. Reference profiles cross as
 * protobuf bytes and errors as plain fields, as structured cloning keeps
 * neither message prototypes nor error classes.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ReferenceProfileSchema } from '@tributary/contracts';
import { TributaryError, type Code } from '@tributary/errors';
import { TrainingStageError } from './errors.js';
import type { FitCandidatesInput, FittedCandidates, FittedModel } from './fit-candidates.js';
import type { TrainingProgress, TrainingStage } from './training-progress.js';

/** A fitted model as it crosses the thread boundary: its reference profile encoded. */
export type FittedModelMessage = Omit<FittedModel, 'profile'> & { readonly profile: Uint8Array };

/** An error as it crosses the thread boundary. */
export interface WorkerFailure {
  /** The stage that failed, when the failure happened inside one. */
  readonly stage?: TrainingStage;
  readonly name: string;
  readonly code: Code;
  readonly message: string;
  readonly retryable: boolean;
  readonly stack?: string;
}

/** What the training worker posts to the run. */
export type TrainingWorkerMessage =
  | { readonly type: 'progress'; readonly progress: TrainingProgress }
  | { readonly type: 'stage-ended'; readonly stage: TrainingStage; readonly outcome: 'ok' | 'failed'; readonly seconds: number }
  | { readonly type: 'result'; readonly fallback: FittedModelMessage; readonly primary: FittedModelMessage; readonly champion: FittedCandidates['champion']; readonly primaryChoice: string }
  | { readonly type: 'failure'; readonly failure: WorkerFailure };

/** A message and the buffers to transfer with it. */
export interface Transferring<T> {
  readonly message: T;
  readonly transferList: ArrayBuffer[];
}

/**
 * The buffers of the input's columns, labels and champion artifact: moved to
 * the worker, after which they are empty here. A view that does not own its
 * whole buffer (e.g. a slice of Node's Buffer pool) is copied instead.
 */
export function inputTransferList(input: FitCandidatesInput): ArrayBuffer[] {
  const views: ArrayBufferView[] = [input.train, input.validation, input.holdout].flatMap((rows) => [...rows.matrix.columns, rows.labels]);
  if (input.champion.kind === 'artifact') views.push(input.champion.artifact);
  return transferList(views);
}

/** The result message of fitted candidates, their artifacts and encoded profiles transferred. */
export function resultMessage(fitted: FittedCandidates): Transferring<TrainingWorkerMessage> {
  const encode = (model: FittedModel): FittedModelMessage => ({ ...model, profile: toBinary(ReferenceProfileSchema, model.profile) });
  const fallback = encode(fitted.fallback);
  const primary = encode(fitted.primary);
  return {
    message: { type: 'result', fallback, primary, champion: fitted.champion, primaryChoice: fitted.primaryChoice },
    transferList: transferList([fallback.artifact, fallback.profile, primary.artifact, primary.profile]),
  };
}

/** The fitted candidates of a result message. */
export function fittedCandidatesOf(message: Extract<TrainingWorkerMessage, { type: 'result' }>): FittedCandidates {
  const decode = (model: FittedModelMessage): FittedModel => ({ ...model, profile: fromBinary(ReferenceProfileSchema, model.profile) });
  return { fallback: decode(message.fallback), primary: decode(message.primary), champion: message.champion, primaryChoice: message.primaryChoice };
}

/** Anything the worker caught, as fields: the failed stage and the underlying error. */
export function workerFailureOf(error: unknown): WorkerFailure {
  const stage = error instanceof TrainingStageError ? (error.stage as TrainingStage) : undefined;
  const thrown = error instanceof TrainingStageError ? error.cause : error;
  const inner = TributaryError.from(thrown);
  const stack = thrown instanceof Error ? thrown.stack : undefined;
  return {
    ...(stage === undefined ? {} : { stage }),
    name: thrown instanceof Error ? thrown.name : inner.name,
    code: inner.code,
    message: inner.message,
    retryable: inner.retryable,
    ...(stack === undefined ? {} : { stack }),
  };
}

/** The worker's error rebuilt on this side: a {@link TrainingStageError} naming its stage, the original name, code and stack kept. */
export function errorOfWorkerFailure(failure: WorkerFailure, stageInProgress: TrainingStage): TrainingStageError {
  const cause = new TributaryError(failure.code, failure.message, { retryable: failure.retryable });
  cause.name = failure.name;
  if (failure.stack !== undefined) cause.stack = failure.stack;
  return new TrainingStageError(failure.stage ?? stageInProgress, cause);
}

function transferList(views: readonly ArrayBufferView[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    const { buffer } = view;
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) buffers.add(buffer);
  }
  return [...buffers];
}
