import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { ModelLifecycleEventType, TrainingReason, type DriftReport, type TimeWindow } from '@tributary/contracts';
import { TRAINER_TAGS } from '@tributary/training';
import type { LoopEvent } from './demo-loop-watch.js';

/** One line of the loop's timeline: when it happened in the run (wall clock) and how far the replay had got (event time). */
export interface TimelineEntry {
  /** Since the demo started, ms. */
  readonly wallMs: number;
  /** The replay's event time then (naive local time as if UTC, ms). */
  readonly eventTimeMs: number;
  readonly text: string;
}

/** `2001-05-17 06:00`: a naive local time of the dataset. */
export function formatEventTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '–';
}

const ms = (timestamp: Timestamp | undefined) => (timestamp ? timestampMs(timestamp) : Number.NaN);

/** `2001-05-04 00:00 → 05-18 00:00`. */
export function formatWindow(window: TimeWindow | undefined): string {
  const start = formatEventTime(ms(window?.startTime));
  const end = formatEventTime(ms(window?.endTime));
  const sameYear = start.length > 1 && start.slice(0, 5) === end.slice(0, 5);
  return `${start} → ${sameYear ? end.slice(5) : end}`;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

/** The evidence of a report in one line: the rules that fired, with their values and thresholds, and the drifted features. */
export function driftEvidence(report: DriftReport): string {
  const reasons = report.reasons.map((r) => `${r.rule} ${r.value.toFixed(3)} (threshold ${r.threshold})`);
  const performance = report.performance;
  const calibration = performance ? `, predicted ${pct(performance.predictedPositiveShare)} vs observed ${pct(performance.observedPositiveShare)} late` : '';
  const auc = performance?.auc === undefined ? '' : `, realised AUC ${performance.auc.toFixed(3)}${performance.referenceAuc === undefined ? '' : ` (holdout ${performance.referenceAuc.toFixed(3)})`}`;
  const drifted = report.features.filter((f) => f.drifted).map((f) => f.featureName);
  const features = drifted.length === 0 ? '' : `; drifted: ${drifted.slice(0, 4).join(', ')}${drifted.length > 4 ? ` and ${drifted.length - 4} more` : ''}`;
  return `${reasons.join(', ') || 'no rule fired'}${calibration}${auc}${features}`;
}

/** What a step of the loop says, in one line for the progress and the timeline. */
export function describeLoopEvent(event: LoopEvent): string {
  switch (event.kind) {
    case 'drift-detected': {
      const { report } = event;
      const rules = report.reasons.map((r) => `${r.rule} ${Number.isInteger(r.value) ? r.value : r.value.toFixed(3)}`).join(', ') || 'no rule fired';
      return `drift.detected  v${report.modelVersion}, window ${formatWindow(report.window)}: ${rules}`;
    }
    case 'training-requested': {
      const { request } = event;
      const cause = request.reason === TrainingReason.DRIFT_DETECTED ? `drift report ${request.driftReportId.slice(0, 8)}` : request.reasonDetail || TrainingReason[request.reason];
      return `training.requested by ${request.requestedBy} (${cause}): train on ${formatWindow(request.trainingWindow)}`;
    }
    case 'lifecycle': {
      const { event: lifecycle } = event;
      const version = lifecycle.modelVersion;
      if (lifecycle.type === ModelLifecycleEventType.REGISTERED && version) {
        const role = version.tags[TRAINER_TAGS.role] ?? 'version';
        return `registered v${lifecycle.version} (${role}, ${version.modelType}): holdout AUC ${version.metrics['holdout_auc']?.toFixed(4) ?? '–'}`;
      }
      if (lifecycle.type === ModelLifecycleEventType.ALIAS_SET) {
        return `${lifecycle.alias} → v${lifecycle.version}${lifecycle.previousVersion > 0 ? ` (was v${lifecycle.previousVersion})` : ''}: ${lifecycle.reason}`;
      }
      return `${ModelLifecycleEventType[lifecycle.type].toLowerCase()} v${lifecycle.version}`;
    }
    case 'training-failed':
      return `training failed (request ${event.requestId.slice(0, 8)}): ${event.error}`;
  }
}

/** `  +  93.4 s   2001-05-18 06:00   champion → v4 …`. */
export function formatTimeline(entries: readonly TimelineEntry[]): string[] {
  return entries.map((e) => `  +${(e.wallMs / 1000).toFixed(1).padStart(6)} s   ${formatEventTime(e.eventTimeMs).padEnd(16)}   ${e.text}`);
}
