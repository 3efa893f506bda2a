import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import {
  ModelLifecycleEventType,
  TrainingReason,
  TrainingRequestSchema,
  type DriftReport,
  type ModelLifecycleEvent,
  type PredictionLog,
  type ReferenceProfile,
  type TrainingRequest,
} from '@tributary/contracts';
import { uuidV5 } from '@tributary/flights';
import { alarmVerdict, newAlarmReasons } from './alarm-verdict.js';
import type { ChooseDriftRulesOptions } from './choose-drift-rules.js';
import { driftReportId } from './drift-report-id.js';
import type { DriftMonitorStore, FlightObservation, WindowCount } from './drift-monitor-store.js';
import { evaluateWindow } from './evaluate-window.js';
import { createEventTimeWindows, type EventTimeWindow, type EventTimeWindowsOptions } from './event-time-windows.js';
import { resolveAlarmThresholds, type AlarmThresholds } from './judge-window.js';
import { createRetrainingPolicy, type LastTrainingRequest, type RetrainingDecision, type RetrainingPolicyOptions } from './retraining-policy.js';

/** What the monitor needs to know of a model version: its reference profile and holdout AUC. */
export interface VersionReference {
  readonly profile: ReferenceProfile;
  readonly holdoutAuc?: number;
}

/** Where reference profiles come from: the registry in the service, anything with the same answers in a test. */
export interface ReferenceSource {
  /** The version's reference, or undefined when the version has none (its windows are then not reported). */
  get(modelName: string, modelVersion: number): Promise<VersionReference | undefined>;
}

/** Where the monitor's outputs go. */
export interface DriftMonitorOutputs {
  /** A report that raised an alarm (see {@link newAlarmReasons}): `drift.detected`. */
  publishReport(report: DriftReport): Promise<void>;
  /** A request for training: `training.requested`. */
  requestTraining(request: TrainingRequest): Promise<void>;
}

/** Options of {@link createDriftMonitor}. */
export interface DriftMonitorOptions {
  readonly store: DriftMonitorStore;
  readonly references: ReferenceSource;
  readonly outputs: DriftMonitorOutputs;
  /** Event-time windows. Required: tumbling when `stepMs` is left out. */
  readonly windows: EventTimeWindowsOptions;
  /** How far behind the newest flight event (the watermark) a window's end must be before it is reported, ms. Default: 6 h, longer than most flights, so most outcomes are in. */
  readonly allowedLatenessMs?: number;
  /** Reported windows that ended within this much event time before the closing point are re-counted on each pass; late data re-reports them. Default: 3 days. */
  readonly lateUpdateHorizonMs?: number;
  readonly thresholds?: AlarmThresholds;
  readonly driftRules?: ChooseDriftRulesOptions;
  /** Share of drifted features from which the dataset drifted. Default: 0.5. */
  readonly driftShareThreshold?: number;
  /** Cycling features and their periods, ms; see `EvaluateWindowOptions.periodicFeatures`. Default: none. */
  readonly periodicFeatures?: Readonly<Record<string, number>>;
  readonly policy?: RetrainingPolicyOptions;
  /** Event time the requested training window spans, ending where the triggering window ends, ms. Default: 28 days. */
  readonly trainingWindowMs?: number;
  /** Called with every report written (alarm or not), e.g. for metrics. Default: none. */
  readonly onReport?: (report: DriftReport) => void;
  /** Called with every alarm published, e.g. for metrics and the log. Default: none. */
  readonly onAlarm?: (alarm: DriftAlarm) => void;
  /** Called with every training request made. Default: none. */
  readonly onTrainingRequest?: (request: TrainingRequest) => void;
  /** Wall clock, ms. Default: `Date.now`. */
  readonly now?: () => number;
}

/** An alarm the monitor published: the report, what in its verdict was new, and what the retraining policy made of it. */
export interface DriftAlarm {
  readonly report: DriftReport;
  /** The parts of the verdict that raised it (see {@link alarmVerdict}), e.g. `['calibration_gap', 'feature_drift:delay_mean']`. */
  readonly raised: readonly string[];
  readonly retraining: RetrainingDecision;
}

/** The drift monitor: records what the consumers read, and turns closed windows into reports and training requests. */
export interface DriftMonitor {
  recordPredictions(logs: readonly PredictionLog[]): Promise<void>;
  recordFlights(flights: readonly FlightObservation[]): Promise<void>;
  /** Registrations of versions: a version registered for a request of the monitor ends that request's flight. */
  recordLifecycle(events: readonly ModelLifecycleEvent[]): Promise<void>;
  /**
   * One pass: reports every window whose end passed the watermark less the
   * allowed lateness, re-reports recent windows that late predictions or
   * outcomes changed, asks for training when the policy says so, and checks
   * the schedule. Passes run one at a time. Returns the reports written.
   */
  evaluate(): Promise<DriftReport[]>;
  /** Newest flight event time seen, ms; undefined before any. */
  watermarkMs(): number | undefined;
}

const REQUESTS_NAMESPACE = 'c4b2e8f1-5d3a-4f7e-9b6c-2a1d0e8f7c35';
const DAY_MS = 86_400_000;

/** What the monitor remembers of a reported window version, to tell when late data changed it and whether its verdict grew. */
interface Reported {
  readonly revision: number;
  readonly sampleCount: number;
  readonly labelledCount: number;
  /** {@link alarmVerdict} of the latest revision. */
  readonly verdict: readonly string[];
}

/**
 * Creates the monitor. Its state lives in the store (see
 * `DriftMonitorStore`); the first `evaluate()` reloads what it needs, so a
 * restarted monitor carries on where the last one's windows ended, with the
 * same report ids and revisions.
 */
export function createDriftMonitor(options: DriftMonitorOptions): DriftMonitor {
  const { store, references, outputs, onReport, onAlarm, onTrainingRequest } = options;
  const now = options.now ?? Date.now;
  const windows = createEventTimeWindows(options.windows);
  const thresholds = resolveAlarmThresholds(options.thresholds);
  const policy = createRetrainingPolicy(options.policy);
  const allowedLatenessMs = options.allowedLatenessMs ?? 6 * 3_600_000;
  const lateUpdateHorizonMs = options.lateUpdateHorizonMs ?? 3 * DAY_MS;
  const trainingWindowMs = options.trainingWindowMs ?? 28 * DAY_MS;

  let loaded = false;
  let watermark: number | undefined;
  let closedThroughMs: number | undefined;
  const reported = new Map<string, Reported>();
  const lastRequests = new Map<string, LastTrainingRequest>();
  /** End of each model's first reported window: where its schedule counts from. */
  const firstWindowEnd = new Map<string, number>();
  let pass: Promise<unknown> = Promise.resolve();

  const key = (modelName: string, modelVersion: number, window: EventTimeWindow) => `${modelName}\u0000${modelVersion}\u0000${window.startMs}\u0000${window.endMs}`;

  async function load(): Promise<void> {
    watermark = await store.maxEventTimeMs();
    closedThroughMs = await store.lastWindowEndMs();
    if (closedThroughMs !== undefined) {
      const since = closedThroughMs - lateUpdateHorizonMs - windows.sizeMs;
      for (const report of await store.reports({ limit: 10_000, sinceWindowEndMs: since })) {
        const window = windowOf(report);
        reported.set(key(report.modelName, report.modelVersion, window), remembered(report));
      }
    }
    for (const [model, last] of await store.lastTrainingRequests()) lastRequests.set(model, last);
    loaded = true;
  }

  async function report(window: EventTimeWindow, count: WindowCount): Promise<DriftReport | undefined> {
    const { modelName, modelVersion } = count;
    const k = key(modelName, modelVersion, window);
    const previous = reported.get(k);
    const reference = await references.get(modelName, modelVersion);
    if (reference === undefined) {
      // Remembered with its counts, so the window is not loaded again on every pass until its data changes.
      reported.set(k, { revision: previous?.revision ?? -1, sampleCount: count.sampleCount, labelledCount: count.labelledCount, verdict: previous?.verdict ?? [] });
      return undefined;
    }
    const rows = await store.loadWindowRows(window, { modelName, modelVersion, featureNames: reference.profile.features.map((feature) => feature.featureName) });
    const result = evaluateWindow(rows, {
      reportId: driftReportId(modelName, modelVersion, window),
      modelName,
      modelVersion,
      window,
      windowStepMs: windows.stepMs,
      profile: reference.profile,
      ...(reference.holdoutAuc === undefined ? {} : { referenceAuc: reference.holdoutAuc }),
      thresholds,
      ...(options.driftRules === undefined ? {} : { driftRules: options.driftRules }),
      ...(options.driftShareThreshold === undefined ? {} : { driftShareThreshold: options.driftShareThreshold }),
      ...(options.periodicFeatures === undefined ? {} : { periodicFeatures: options.periodicFeatures }),
      revision: previous === undefined ? 0 : previous.revision + 1,
      createdAt: new Date(now()),
    });
    // Alarmed once per verdict: a revision (late data, or the same window re-computed after a restart) with no new reason is stored, not published.
    const verdict = alarmVerdict(result);
    const raised = newAlarmReasons(verdict, previous?.verdict ?? []);
    if (raised.length > 0) await outputs.publishReport(result);
    const decision = policy.afterReport(result, lastRequests.get(result.modelName), now());
    if (decision.action === 'request') {
      const reasons = result.reasons.filter((reason) => decision.rules.includes(reason.rule as never));
      await requestTraining(result.modelName, window.endMs, 'drift', result.reportId, reasons.map((reason) => `${reason.rule}: ${reason.detail}`).join('; '));
    }
    // Written last: a crash before this re-reports the window with the same ids after the restart (and may publish its alarm again).
    await store.writeReport(result);
    if (raised.length > 0) onAlarm?.({ report: result, raised, retraining: decision });
    reported.set(k, remembered(result, verdict));
    if (!firstWindowEnd.has(result.modelName)) firstWindowEnd.set(result.modelName, window.endMs);
    onReport?.(result);
    return result;
  }

  async function requestTraining(modelName: string, eventTimeMs: number, trigger: 'drift' | 'schedule', reportId: string, detail: string): Promise<void> {
    const requestId = uuidV5(REQUESTS_NAMESPACE, `${modelName}/${trigger}/${reportId || eventTimeMs}`);
    const requestedAtMs = now();
    const request = create(TrainingRequestSchema, {
      requestId,
      modelName,
      trainingWindow: { startTime: timestampFromMs(eventTimeMs - trainingWindowMs), endTime: timestampFromMs(eventTimeMs) },
      reason: trigger === 'drift' ? TrainingReason.DRIFT_DETECTED : TrainingReason.SCHEDULED,
      reasonDetail: trigger === 'drift' ? `drift report ${reportId}: ${detail}` : `scheduled retraining at event time ${new Date(eventTimeMs).toISOString()}`,
      requestedBy: 'drift-monitor',
      requestedTime: timestampFromMs(requestedAtMs),
      driftReportId: reportId,
    });
    await outputs.requestTraining(request);
    await store.writeTrainingRequest({ requestId, modelName, reportId, trigger, eventTimeMs, requestedAtMs });
    lastRequests.set(modelName, { requestId, eventTimeMs, requestedAtMs, completed: false });
    onTrainingRequest?.(request);
  }

  async function reportWindow(window: EventTimeWindow, counts: readonly WindowCount[]): Promise<DriftReport[]> {
    const written: DriftReport[] = [];
    for (const count of counts) {
      const result = await report(window, count);
      if (result !== undefined) written.push(result);
    }
    return written;
  }

  async function evaluateOnce(): Promise<DriftReport[]> {
    if (!loaded) await load();
    watermark = (await store.maxEventTimeMs()) ?? watermark;
    if (watermark === undefined) return [];
    const closeThroughMs = watermark - allowedLatenessMs;
    const written: DriftReport[] = [];
    // Windows reported before: re-count those recent enough to still get late data.
    if (closedThroughMs !== undefined) {
      for (const window of windows.endingIn(Math.min(closedThroughMs, closeThroughMs) - lateUpdateHorizonMs, Math.min(closedThroughMs, closeThroughMs))) {
        const changed = (await store.countWindow(window)).filter((count) => {
          const known = reported.get(key(count.modelName, count.modelVersion, window));
          return known === undefined || known.sampleCount !== count.sampleCount || known.labelledCount !== count.labelledCount;
        });
        if (changed.length > 0) written.push(...(await reportWindow(window, changed)));
      }
    } else {
      const first = await store.minPredictedDepartureMs();
      if (first === undefined) return [];
      closedThroughMs = windows.firstContaining(first).endMs - 1;
    }
    // Windows closing now.
    for (const window of windows.endingIn(closedThroughMs, closeThroughMs)) {
      written.push(...(await reportWindow(window, await store.countWindow(window))));
      closedThroughMs = window.endMs;
    }
    for (const modelName of firstWindowEnd.keys()) {
      const decision = policy.onSchedule(closedThroughMs, firstWindowEnd.get(modelName) as number, lastRequests.get(modelName), now());
      if (decision.action === 'request') await requestTraining(modelName, closedThroughMs, 'schedule', '', '');
    }
    return written;
  }

  return {
    async recordPredictions(logs) {
      await store.writePredictions(logs);
    },
    async recordFlights(flights) {
      await store.writeFlights(flights);
      for (const flight of flights) if (watermark === undefined || flight.eventTimeMs > watermark) watermark = flight.eventTimeMs;
    },
    async recordLifecycle(events) {
      for (const event of events) {
        const version = event.modelVersion;
        const requestId = version?.lineage?.trainingRequestId;
        if (event.type !== ModelLifecycleEventType.REGISTERED || version === undefined || !requestId || version.tags['role'] === 'fallback') continue;
        await store.writeTrainingResult({ requestId, modelName: event.modelName, modelVersion: event.version, registeredAtMs: event.eventTime ? timestampMs(event.eventTime) : now() });
        const last = lastRequests.get(event.modelName);
        if (last?.requestId === requestId) lastRequests.set(event.modelName, { ...last, completed: true });
      }
    },
    evaluate() {
      const next = pass.then(evaluateOnce);
      pass = next.catch(() => undefined);
      return next;
    },
    watermarkMs: () => watermark,
  };
}

function remembered(report: DriftReport, verdict = alarmVerdict(report)): Reported {
  return { revision: report.revision, sampleCount: report.sampleCount, labelledCount: report.performance?.labelledCount ?? 0, verdict };
}

function windowOf(report: DriftReport): EventTimeWindow {
  const { window } = report;
  return { startMs: window?.startTime ? timestampMs(window.startTime) : 0, endMs: window?.endTime ? timestampMs(window.endTime) : 0 };
}
