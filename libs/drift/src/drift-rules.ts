import { InvalidOptionsError } from './errors.js';

/** A statistic of a `FeatureDrift`, named as its field in drift.proto (and in `decided_by`). */
export type DriftStatistic =
  | 'psi'
  | 'ks_statistic'
  | 'ks_p_value'
  | 'wasserstein_distance'
  | 'wasserstein_distance_normed'
  | 'jensen_shannon_distance'
  | 'chi_squared_statistic'
  | 'chi_squared_p_value';

/** The statistics measured for one feature; those that do not apply or could not be computed are absent. */
export type DriftStatistics = Partial<Record<DriftStatistic, number>>;

/**
 * One way a feature counts as drifted: a p-value below `threshold`, or any
 * other statistic at or above it.
 */
export interface DriftRule {
  readonly statistic: DriftStatistic;
  readonly threshold: number;
}

/** The rules per kind of feature; a feature drifted when any of its kind's rules fires. */
export interface DriftRules {
  readonly numeric: readonly DriftRule[];
  readonly categorical: readonly DriftRule[];
}

/**
 * The default rules. Numeric: PSI ≥ 0.2 (the customary "significant shift")
 * or KS p < 0.01. Categorical: chi² p < 0.01 or PSI ≥ 0.2. A test alone flags
 * negligible differences once samples are large, and PSI alone misses shifts
 * inside a bin; either firing is taken as drift.
 */
export const DEFAULT_DRIFT_RULES: DriftRules = {
  numeric: [
    { statistic: 'psi', threshold: 0.2 },
    { statistic: 'ks_p_value', threshold: 0.01 },
  ],
  categorical: [
    { statistic: 'chi_squared_p_value', threshold: 0.01 },
    { statistic: 'psi', threshold: 0.2 },
  ],
};

const applicable: Record<keyof DriftRules, ReadonlySet<DriftStatistic>> = {
  numeric: new Set(['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_distance', 'wasserstein_distance_normed', 'jensen_shannon_distance']),
  categorical: new Set(['psi', 'jensen_shannon_distance', 'chi_squared_statistic', 'chi_squared_p_value']),
};

/** Throws unless every kind has at least one rule, each about a statistic measured for that kind. */
export function checkDriftRules(rules: DriftRules): DriftRules {
  for (const kind of ['numeric', 'categorical'] as const) {
    if (rules[kind].length === 0) throw new InvalidOptionsError(`rules.${kind}`, 'needs at least one rule');
    for (const { statistic, threshold } of rules[kind]) {
      if (!applicable[kind].has(statistic)) throw new InvalidOptionsError(`rules.${kind}`, `${statistic} is not measured for ${kind} features`);
      if (!Number.isFinite(threshold)) throw new InvalidOptionsError(`rules.${kind}`, `threshold of ${statistic} is ${threshold}`);
    }
  }
  return rules;
}

/** Whether a feature drifted, the statistic (or rule) that decided it, and the threshold it was held to. */
export interface DriftDecision {
  readonly drifted: boolean;
  readonly decidedBy: string;
  readonly threshold: number;
}

/**
 * Applies rules in order: the first that fires decides "drifted". When none
 * fires, the first rule is named as the one that kept the feature stable.
 * Rules on a statistic that could not be computed are passed over.
 */
export function decideDrift(statistics: DriftStatistics, rules: readonly DriftRule[]): DriftDecision {
  for (const { statistic, threshold } of rules) {
    const value = statistics[statistic];
    if (value === undefined) continue;
    const fires = statistic.endsWith('_p_value') ? value < threshold : value >= threshold;
    if (fires) return { drifted: true, decidedBy: statistic, threshold };
  }
  const [first] = rules as [DriftRule];
  return { drifted: false, decidedBy: first.statistic, threshold: first.threshold };
}
