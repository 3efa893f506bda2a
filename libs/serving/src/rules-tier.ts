import type { RulesOptions, RuleThreshold } from './serving-pipeline-options.js';

/** Default thresholds: a late origin lately means a late flight. */
export const DEFAULT_RULE_THRESHOLDS: readonly RuleThreshold[] = [
  { feature: 'origin.out_late_share_1h', atLeast: 0.5, probability: 0.6 },
  { feature: 'origin.out_late_share_24h', atLeast: 0.3, probability: 0.45 },
];

/** The rules tier: a probability from the row's values by name, or undefined when none of its features has a value. */
export type RulesTier = (value: (feature: string) => number) => number | undefined;

/**
 * Thresholds tried in order: the first whose feature has a value at least
 * `atLeast` answers its probability; when some feature had a value but no
 * threshold matched, `otherwiseProbability`; with no value at all the rules
 * cannot judge and the default tier answers.
 */
export function createRulesTier(options: RulesOptions = {}): RulesTier {
  const thresholds = options.thresholds ?? DEFAULT_RULE_THRESHOLDS;
  const otherwise = options.otherwiseProbability ?? 0.15;
  for (const { feature, probability } of thresholds) {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`rule on ${feature}: probability must be in [0, 1], got ${probability}`);
  }
  return (value) => {
    let known = false;
    for (const { feature, atLeast, probability } of thresholds) {
      const v = value(feature);
      if (Number.isNaN(v)) continue;
      known = true;
      if (v >= atLeast) return probability;
    }
    return known ? otherwise : undefined;
  };
}
