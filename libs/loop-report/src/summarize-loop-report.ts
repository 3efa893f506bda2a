import { timestampMs } from '@bufbuild/protobuf/wkt';
import { eventTimeText } from './event-time-text.js';
import type { LoopReportData } from './load-loop-report.js';

/** What a loop report holds, in numbers. */
export interface LoopReportSummary {
  readonly modelName: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Distinct windows of event time reported. */
  readonly windows: number;
  /** Reports of those windows (one per window and version that served in it). */
  readonly reports: number;
  /** Reports that raised an alarm. */
  readonly alarms: number;
  /** The versions that answered or were reported in the range, ascending. */
  readonly versions: readonly number[];
}

/** Counts the windows, reports, alarms and versions of a loop report. */
export function summarizeLoopReport(data: LoopReportData): LoopReportSummary {
  const windows = new Set(data.reports.map((r) => `${r.window?.startTime ? timestampMs(r.window.startTime) : ''}/${r.window?.endTime ? timestampMs(r.window.endTime) : ''}`));
  const versions = new Set([...data.reports.map((r) => r.modelVersion), ...data.serving.filter((b) => b.modelVersion > 0).map((b) => b.modelVersion)]);
  return {
    modelName: data.modelName,
    fromMs: data.fromMs,
    toMs: data.toMs,
    windows: windows.size,
    reports: data.reports.length,
    alarms: data.reports.filter((r) => r.alert).length,
    versions: [...versions].sort((a, b) => a - b),
  };
}

/** `flight-delay, 2001-05-21 00:00 → 2001-05-24 00:00: 3 windows, 4 drift reports (2 alarms), versions v2, v4`. */
export function formatLoopReportSummary(summary: LoopReportSummary): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return (
    `${summary.modelName}, ${eventTimeText(summary.fromMs)} → ${eventTimeText(summary.toMs)}: ${plural(summary.windows, 'window')}, ` +
    `${plural(summary.reports, 'drift report')} (${plural(summary.alarms, 'alarm')}), ${summary.versions.length === 1 ? 'version' : 'versions'} ${summary.versions.map((v) => `v${v}`).join(', ') || 'none'}`
  );
}
