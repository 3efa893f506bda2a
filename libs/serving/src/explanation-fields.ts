import { create } from '@bufbuild/protobuf';
import { ExplanationSchema, type Explanation } from '@tributary/contracts';
import type { ServingAnswer } from './serving-answer.js';

/** The explanation fields of a tributary.v1 `PredictResponse`. */
export interface ExplanationFields {
  explanation?: Explanation;
  explanationUnavailable?: string;
}

/** An answer's explanation (or why it has none) as `PredictResponse` fields; none when the request did not ask. */
export function explanationFields(answer: ServingAnswer): ExplanationFields {
  const { explanation, explanationUnavailable } = answer;
  if (explanation) {
    return {
      explanation: create(ExplanationSchema, {
        baseValue: explanation.baseValue,
        margin: explanation.margin,
        method: explanation.method,
        contributions: explanation.featureNames.map((feature, i) => ({ feature, contribution: explanation.contributions[i] as number })),
      }),
    };
  }
  return explanationUnavailable === undefined ? {} : { explanationUnavailable };
}
