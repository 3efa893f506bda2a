import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TrainingReason, TrainingRequestSchema, type TrainingRequest } from '@tributary/contracts';
import type { OutgoingRecord } from '@tributary/kafka';
import { planTraining } from './training-plan.js';

/** Options of {@link acceptTrainingRequest}. */
export interface AcceptTrainingRequestOptions {
  /** Default `Date.now`. */
  readonly now?: () => number;
  /** Id for a request that has none. Default a random UUID. */
  readonly newId?: () => string;
}

/**
 * A request ready for `training.requested`: an id and request time filled in
 * when missing, reason `MANUAL` when unspecified, and the whole request
 * checked as a run would check it, so a malformed one is refused to its
 * sender instead of failing later in the trainer.
 *
 * @throws InvalidTrainingRequestError naming the bad field.
 */
export function acceptTrainingRequest(request: TrainingRequest, options: AcceptTrainingRequestOptions = {}): TrainingRequest {
  const { now = Date.now, newId = randomUUID } = options;
  const accepted = create(TrainingRequestSchema, {
    ...request,
    requestId: request.requestId.trim() === '' ? newId() : request.requestId,
    requestedTime: request.requestedTime ?? timestampFromMs(now()),
    reason: request.reason === TrainingReason.UNSPECIFIED ? TrainingReason.MANUAL : request.reason,
  });
  planTraining(accepted);
  return accepted;
}

/** The `training.requested` record of a request: keyed by model name, its CloudEvents id the request id. */
export function trainingRequestRecord(request: TrainingRequest): OutgoingRecord<TrainingRequest> {
  return { key: request.modelName, value: request, id: request.requestId };
}
