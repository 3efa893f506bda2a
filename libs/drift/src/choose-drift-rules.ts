import type { DriftRules } from './drift-rules.js';
import { checkInteger } from './option-checks.js';

/** Options of {@link chooseDriftRules}. */
export interface ChooseDriftRulesOptions {
  /** Windows with more rows than this are judged by effect size, smaller ones by a test. Default: 1000 (Evidently's cut-off). */
  readonly largeSampleSize?: number;
  /** p-value below which a small window's feature drifted (KS for numeric, chi² for categorical). Default: 0.05, as Evidently. */
  readonly pValueThreshold?: number;
  /**
   * Wasserstein distance in reference standard deviations from which a large
   * window's numeric feature (and the prediction) drifted. Default: 1.0, not
   * Evidently's 0.1: a day of flights is one weather, not a sample of the
   * fortnight it is compared with — on ordinary days of March–May 2001 the
   * largest feature moved 0.43 standard deviations in the median day, and
   * 0.1 flagged 16–27 of 33 features every day (`npm run bench -- drift`).
   */
  readonly wassersteinNormedThreshold?: number;
  /** Jensen–Shannon distance from which a large window's categorical feature drifted. Default: 0.2 (Evidently: 0.1; ordinary days of the flights reach 0.135). */
  readonly jensenShannonThreshold?: number;
}

/**
 * The drift rules for a window of `sampleSize` rows, chosen the way Evidently
 * chooses its default method: a small window is judged by a test (KS or chi²
 * p-value), because with few rows an effect size is mostly noise; a large one
 * by effect size — normed Wasserstein for numeric features, Jensen–Shannon
 * for categorical — because with many rows a test calls negligible
 * differences significant (the flights windows have tens of thousands).
 */
export function chooseDriftRules(sampleSize: number, options: ChooseDriftRulesOptions = {}): DriftRules {
  const largeSampleSize = checkInteger('largeSampleSize', options.largeSampleSize ?? 1000, 1);
  const { pValueThreshold = 0.05, wassersteinNormedThreshold = 1, jensenShannonThreshold = 0.2 } = options;
  if (sampleSize <= largeSampleSize) {
    return {
      numeric: [{ statistic: 'ks_p_value', threshold: pValueThreshold }],
      categorical: [{ statistic: 'chi_squared_p_value', threshold: pValueThreshold }],
    };
  }
  return {
    numeric: [{ statistic: 'wasserstein_distance_normed', threshold: wassersteinNormedThreshold }],
    categorical: [{ statistic: 'jensen_shannon_distance', threshold: jensenShannonThreshold }],
  };
}
