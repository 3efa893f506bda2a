/**
 * The values of all features of one entity as of one moment: what the
 * aggregation engine emits and both stores keep. `values[i]` is the i-th
 * feature of `featureSet.featuresOf(entityType)`; NaN means no value (an empty
 * window's mean or share).
 */
export interface FeatureSnapshot {
  readonly entityType: string;
  readonly entityId: string;
  /**
   * The moment the values hold for, in ms since the epoch: a bucket boundary.
   * They aggregate events strictly before it, so a value stamped T may be used
   * for any prediction or label at T or later.
   */
  readonly timeMs: number;
  readonly values: Float64Array;
}
