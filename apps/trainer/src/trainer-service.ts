/**
 * The handler of `tributary.v1.TrainerService`: RequestTraining checks the
 * request and queues it on `training.requested`, where the trainer's own
 * consumer (or another replica's) picks it up. Testable without a socket.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { RequestTrainingRequest, RequestTrainingResponseSchema, TrainingRequest } from '@tributary/contracts';
import { acceptTrainingRequest, InvalidTrainingRequestError, type AcceptTrainingRequestOptions } from '@tributary/training';

/** Options of {@link createTrainerService}. */
export interface TrainerServiceOptions extends AcceptTrainingRequestOptions {
  /** Writes an accepted request to `training.requested`; resolves once it is durable. */
  readonly publish: (request: TrainingRequest) => Promise<void>;
}

/** The service's handlers; structurally a `ServiceImpl<typeof TrainerService>` of `@tributary/grpc`. */
export interface TrainerServiceHandlers {
  requestTraining(request: RequestTrainingRequest): Promise<MessageInitShape<typeof RequestTrainingResponseSchema>>;
}

/** Creates the TrainerService handlers: INVALID_ARGUMENT for a malformed request, else the id of the queued one. */
export function createTrainerService(options: TrainerServiceOptions): TrainerServiceHandlers {
  return {
    async requestTraining({ trainingRequest }) {
      if (!trainingRequest) throw new InvalidTrainingRequestError('training_request', 'is required');
      const accepted = acceptTrainingRequest(trainingRequest, options);
      await options.publish(accepted);
      return { requestId: accepted.requestId };
    },
  };
}
