import type { MessageInitShape } from '@bufbuild/protobuf';
import { ServingTier as ProtoServingTier, type PredictResponseSchema } from '@tributary/contracts';
import type { ServingAnswer, ServingTier } from './serving-answer.js';

/** The protobuf tier of each pipeline tier. */
export const PROTO_SERVING_TIERS: Readonly<Record<ServingTier, ProtoServingTier>> = {
  primary: ProtoServingTier.PRIMARY,
  fallback_model: ProtoServingTier.FALLBACK_MODEL,
  rules: ProtoServingTier.RULES,
  default: ProtoServingTier.DEFAULT,
};

/**
 * A pipeline answer as a tributary.v1 `PredictResponse`, version, tier and
 * alias always said: what gRPC Predict returns and what the streaming scorer
 * writes to `predictions.scored`, so both carry the same answer.
 */
export function toPredictResponse(answer: ServingAnswer, requestId: string): MessageInitShape<typeof PredictResponseSchema> {
  return {
    prediction: answer.prediction,
    probability: answer.probability,
    modelName: answer.modelName,
    modelVersion: answer.modelVersion,
    servedBy: PROTO_SERVING_TIERS[answer.tier],
    latencyMs: answer.latencyMs,
    requestId,
    cached: answer.cached,
    alias: answer.alias,
    defaultedFeatures: [...answer.defaultedFeatures],
  };
}
