import type { DriftReport } from '@tributary/contracts';

/**
 * A window report's verdict as the alarm sees it: each rule that fired, with
 * `feature_drift` split per drifted feature (`feature_drift:delay_mean`), so
 * one more drifted feature is a different verdict and the same features in
 * another order are not. Sorted; empty when the window does not drift.
 */
export function alarmVerdict(report: DriftReport): string[] {
  const parts = new Set<string>();
  for (const { rule } of report.reasons) {
    if (rule !== 'feature_drift') parts.add(rule);
    else for (const feature of report.features) if (feature.drifted) parts.add(`${rule}:${feature.featureName}`);
  }
  return [...parts].sort();
}

/**
 * What a window's new verdict adds to its previous one (the verdict of the
 * report's previous revision; empty for its first): an alarm is raised only
 * when this is not empty — the first time the window drifts, or when a rule
 * or a drifted feature joins the reasons — not for the same verdict on a new
 * revision, nor for one that lost a reason.
 */
export function newAlarmReasons(verdict: readonly string[], previous: readonly string[]): string[] {
  const known = new Set(previous);
  return verdict.filter((part) => !known.has(part));
}
