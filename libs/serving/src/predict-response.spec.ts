import { ServingTier } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { toPredictResponse } from './index.js';

describe('toPredictResponse()', () => {
  it('says version, tier, alias and defaulted features', () => {
    const response = toPredictResponse(
      { probability: 0.7, prediction: 1, modelName: 'm', modelVersion: 0, alias: 'champion', tier: 'rules', defaultedFeatures: ['a'], cached: false, latencyMs: 1.5 },
      'r-9',
    );
    expect(response).toEqual({
      prediction: 1,
      probability: 0.7,
      modelName: 'm',
      modelVersion: 0,
      servedBy: ServingTier.RULES,
      latencyMs: 1.5,
      requestId: 'r-9',
      cached: false,
      alias: 'champion',
      defaultedFeatures: ['a'],
    });
  });
});
