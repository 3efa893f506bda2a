import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { Code, TributaryError } from '@tributary/errors';
import { ModelLifecycleEventType, TrainingReason, TrainingRequestSchema, type DriftReport, type ModelLifecycleEvent, type TrainingRequest } from '@tributary/contracts';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED, type FlightDepartedEvent, type FlightEvent } from '@tributary/flights';
import { localEndpoints } from '@tributary/infra';
import { createKafkaClient, createProducer, topics, type TypedProducer } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { TRAINER_TAGS, acceptTrainingRequest, lateArrivalLabel, timeWindowOf } from '@tributary/training';
import { openDemoEvents } from './demo-event-cursor.js';
import { waitForFeaturePipeline } from './demo-features.js';
import { watchLoop, type LoopEvent } from './demo-loop-watch.js';
import type { DemoPlan } from './demo-plan.js';
import { waitForIngestion, type IngestionOutcome } from './demo-replay.js';
import { recommendedForChampion } from './demo-secure.js';
import { createDemoPredictor } from './demo-serving.js';
import { createServingTally, type ServingSummary } from './demo-serving-tally.js';
import { waitForMonitor } from './demo-monitor-settle.js';
import { describeLoopEvent, formatEventTime, type TimelineEntry } from './demo-timeline.js';
import { sendFlightEvents } from './publish.js';
import type { PlatformNames } from './platform-names.js';
import { requestTraining } from './train.js';

/** Where the closed loop finds the services it drives and watches. */
export interface ClosedLoopServices {
  readonly ingestionOpsPort: number;
  readonly pipelineOpsPort: number;
  /** The drift monitor's ops port: the demo waits for it to report the windows the end of the replay closed. */
  readonly monitorOpsPort: number;
  /** `host:port` of the inference service's gRPC server. */
  readonly inferenceAddress: string;
}

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  readonly plan: DemoPlan;
  readonly names: PlatformNames;
  readonly modelName: string;
  readonly services: ClosedLoopServices;
  /** gRPC clients asking at once. Default 4. */
  readonly clients?: number;
  /** `performance.now()` when the demo started: the timeline's wall clock. */
  readonly startedAtMs: number;
  /** How long the replay waits for a training run the monitor asked for, ms. Default 600,000. */
  readonly trainingWaitMs?: number;
  /** Prints a step's heading. */
  readonly heading: (title: string) => void;
  /** Stops the replay between two slices (the caller then stops the services). */
  readonly signal?: AbortSignal;
  /** Called once the history is in the stores, with its last event time, e.g. to show what the stores hold. */
  readonly onHistoryReplayed?: (lastEventTimeMs: number) => Promise<void>;
  /**
   * Called when the trainer leaves a primary version it recommends as
   * champion at `challenger` — under security only an operator moves
   * `champion` — e.g. to move it as the operator. Default: nothing (the
   * trainer moves it itself).
   */
  readonly promoteRecommended?: (event: ModelLifecycleEvent) => Promise<void>;
}

/** What the closed loop did. */
export interface ClosedLoopResult {
  readonly published: number;
  readonly historyEvents: number;
  readonly ingestion: IngestionOutcome;
  readonly aggregated: number;
  readonly accepted: number;
  readonly firstModelTrained: boolean;
  readonly serving: ServingSummary;
  readonly driftReports: readonly DriftReport[];
  readonly trainingRequests: readonly TrainingRequest[];
  readonly timeline: readonly TimelineEntry[];
}

const DAY_MS = 86_400_000;
const BATCH = 2_000;
/** How long the services get to take in what was sent before the demo says they fell behind, ms. */
const SETTLE_TIMEOUT_MS = 180_000;
const count = (n: number) => n.toLocaleString('en-US');
const total = (counts: ReadonlyMap<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** A training request the monitor made and the trainer has not finished: the replay waits for it, as training takes no event time to speak of at real speed. */
interface InFlight {
  readonly requestId: string;
  primaryVersion: number;
  done: boolean;
}

/**
 * The story after the services are up: the history of the plan replayed
 * through ingestion into features; the first model trained on it through
 * `training.requested` (the trainer's policy makes it champion); then, slice
 * by slice of event time, each departing flight asked of the inference
 * service over gRPC before the slice's events are replayed, so a prediction
 * only sees features of what happened before it and its outcome arrives
 * later, as in production. The drift monitor watches the logged predictions
 * and their outcomes; when it asks for training the replay waits for the
 * trainer and its promotion decision, and the answers show when inference
 * swaps to a new version. Every step of the loop lands on the timeline.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { plan, names, modelName, services, clients = 4, startedAtMs, trainingWaitMs = 600_000, heading, onHistoryReplayed, promoteRecommended, signal } = options;
  const timeline: TimelineEntry[] = [];
  const driftReports: DriftReport[] = [];
  const trainingRequests: TrainingRequest[] = [];
  let replayedToMs = plan.fromMs;
  let inFlight: InFlight | undefined;
  const note = (text: string, eventTimeMs = replayedToMs) => {
    timeline.push({ wallMs: performance.now() - startedAtMs, eventTimeMs, text });
  };

  const onLoopEvent = (event: LoopEvent) => {
    const described = describeLoopEvent(event);
    note(described);
    if (event.kind === 'drift-detected') driftReports.push(event.report);
    if (event.kind === 'training-requested') {
      trainingRequests.push(event.request);
      if (event.request.reason === TrainingReason.DRIFT_DETECTED) inFlight = { requestId: event.request.requestId, primaryVersion: 0, done: false };
    }
    if (event.kind === 'drift-detected' || event.kind === 'training-requested' || event.kind === 'training-failed') console.log(`  ◆ ${described}`);
    if (promoteRecommended && event.kind === 'lifecycle' && recommendedForChampion(event.event)) {
      const { version } = event.event;
      promoteRecommended(event.event).catch((error: unknown) => console.log(`  ✗ champion not moved to v${version}: ${TributaryError.from(error).message}`));
    }
    const current = inFlight;
    if (!current || current.done) return;
    if (event.kind === 'training-failed' && event.requestId === current.requestId) current.done = true;
    if (event.kind !== 'lifecycle') return;
    const lifecycle = event.event;
    if (lifecycle.type === ModelLifecycleEventType.REGISTERED && lifecycle.modelVersion?.tags[TRAINER_TAGS.requestId] === current.requestId) {
      if (lifecycle.modelVersion.tags[TRAINER_TAGS.role] === 'primary') current.primaryVersion = lifecycle.version;
      console.log(`  ◆ ${described}`);
    }
    if (lifecycle.type === ModelLifecycleEventType.ALIAS_SET && lifecycle.version === current.primaryVersion && current.primaryVersion > 0) {
      console.log(`  ◆ ${described}`);
      if (lifecycle.alias === 'champion') current.done = true;
      // The trainer moves challenger first and champion right after, when its policy says so: give it a moment.
      else setTimeout(() => (current.done = true), 5_000).unref();
    }
  };

  const logger = createLogger({ name: 'cli', level: 'warn' });
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-demo'), brokers: localEndpoints().kafkaBrokers, logger });
  const producer: TypedProducer = createProducer({ kafka, source: '/tributary/cli/demo', logger });
  const rawTopic = names.topic(topics.eventsRaw);
  const validatedTopic = names.topic(topics.eventsValidated).name;
  const cursor = openDemoEvents({ fromMs: plan.fromMs, toMs: plan.untilMs, every: plan.every });
  const predictor = createDemoPredictor({ address: services.inferenceAddress, modelName, clients });
  const tally = createServingTally();
  let published = 0;
  let ingestion: IngestionOutcome = { acceptedByType: new Map(), rejectedByReason: new Map(), duplicates: 0, handled: 0 };
  let aggregated = 0;

  const send = async (events: readonly FlightEvent[]) => {
    for (let i = 0; i < events.length; i += BATCH) await sendFlightEvents(events.slice(i, i + BATCH), { producer, topic: rawTopic });
    published += events.length;
    if (events.length > 0) replayedToMs = (events[events.length - 1] as FlightEvent).eventTimeMs;
  };
  /**
   * Waits until ingestion has handled the first `events` sent and the feature
   * pipeline has aggregated everything ingestion accepted of them. Polled every
   * 25 ms: the serving loop passes through here once per slice.
   */
  const settle = async (events: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A timeout of 0 reads the service's counters once.
      ingestion = await waitForIngestion(services.ingestionOpsPort, events, 0);
      if (ingestion.handled >= events) {
        aggregated = await waitForFeaturePipeline(services.pipelineOpsPort, validatedTopic, total(ingestion.acceptedByType), 0);
        if (aggregated >= total(ingestion.acceptedByType)) return;
      }
      if (Date.now() >= deadline) throw new TributaryError(Code.DeadlineExceeded, `the services did not take in ${count(events)} replayed events within ${timeoutMs / 1000} s (ingestion handled ${count(ingestion.handled)}, the feature pipeline aggregated ${count(aggregated)})`);
      await sleep(25);
    }
  };

  await producer.start();
  const watch = await watchLoop({ names, modelName, onEvent: onLoopEvent });
  try {
    heading(`5. History: every ${plan.every === 1 ? '' : `${plan.every}th `}flight departing ${formatEventTime(plan.fromMs)} → ${formatEventTime(plan.trainUntilMs)}, replayed in event time into events.raw`);
    for (let dayMs = plan.fromMs; dayMs < plan.trainUntilMs; dayMs += DAY_MS) {
      signal?.throwIfAborted();
      const events = await cursor.takeUntil(Math.min(dayMs + DAY_MS, plan.trainUntilMs));
      await send(events);
      console.log(`${formatEventTime(dayMs).slice(0, 10)}  ${count(events.length).padStart(7)} events   (${count(published)} in all)`);
    }
    const historyEvents = published;
    await settle(published, SETTLE_TIMEOUT_MS);
    console.log(`ingestion: accepted ${count(total(ingestion.acceptedByType))}, rejected ${count(total(ingestion.rejectedByReason))}, duplicates ${count(ingestion.duplicates)} (ids already ingested, e.g. by an earlier demo run)`);
    console.log(`feature pipeline: aggregated ${count(aggregated)} validated events into Redis (online) and ClickHouse (offline)`);
    await onHistoryReplayed?.(replayedToMs);
    note(`history replayed: ${count(historyEvents)} events`);

    heading(`6. The first model: ${modelName} on ${formatEventTime(plan.fromMs)} → ${formatEventTime(plan.trainUntilMs)}, through training.requested and the trainer`);
    const firstRequest = acceptTrainingRequest(
      create(TrainingRequestSchema, {
        modelName,
        trainingWindow: timeWindowOf({ startMs: plan.fromMs, endMs: plan.trainUntilMs }),
        requestedBy: 'tributary-demo',
        reasonDetail: 'tributary demo: the first model',
      }),
    );
    const target = { topic: names.topic(topics.trainingRequested).name, dlqTopic: names.topic(topics.eventsDlq).name, timeout: 600 };
    const firstModelTrained = (await requestTraining(firstRequest, target, names)) === 0;
    if (!firstModelTrained) {
      return { published, historyEvents, ingestion, aggregated, accepted: total(ingestion.acceptedByType), firstModelTrained, serving: tally.summary(), driftReports, trainingRequests, timeline };
    }

    heading(`7. Serving and watching: each departure of ${formatEventTime(plan.trainUntilMs)} → ${formatEventTime(plan.untilMs)} asked of inference over gRPC before its ${plan.sliceMs / 60_000}-minute slice of events is replayed`);
    let primaryAsked = false;
    let dayStartMs = plan.trainUntilMs;
    const newDay = () => ({ answered: 0, published, versions: new Set<string>(), askingMs: 0, replayingMs: 0, waitingMs: 0 });
    let day = newDay();
    /** Runs a step of a slice and adds its wall time to the day's `key`. */
    const timed = async <T>(key: 'askingMs' | 'replayingMs' | 'waitingMs', step: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await step();
      } finally {
        day[key] += performance.now() - started;
      }
    };
    for (let sliceStartMs = plan.trainUntilMs; sliceStartMs < plan.untilMs; sliceStartMs += plan.sliceMs) {
      signal?.throwIfAborted();
      await waitForTrainer();
      // Everything before the slice is in the features first: a flight's features are at most a slice old, never newer than its departure.
      await timed('waitingMs', () => settle(published, SETTLE_TIMEOUT_MS));
      const sliceEndMs = Math.min(sliceStartMs + plan.sliceMs, plan.untilMs);
      const events = await cursor.takeUntil(sliceEndMs);
      const departures = events.filter((e): e is FlightDepartedEvent => e.type === FLIGHT_DEPARTED);
      if (!primaryAsked && departures[0]) {
        primaryAsked = true;
        if (!(await predictor.waitForPrimary(departures[0], 60_000))) console.log('the primary model did not answer within a minute: the fallback tiers answer until it does');
      }
      const served = await timed('askingMs', () => predictor.predict(departures, tally));
      for (const version of served.firsts) note(`inference serves ${version} (primary) from here`, sliceStartMs);
      for (const version of served.versions) day.versions.add(version);
      day.answered += served.answered;
      await timed('replayingMs', () => send(events));
      for (const event of events) if (event.type === FLIGHT_ARRIVED) tally.outcome(event.flightKey, lateArrivalLabel(event.arrivalDelayMinutes) === 1);
      if (sliceEndMs >= dayStartMs + DAY_MS || sliceEndMs >= plan.untilMs) {
        const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        console.log(
          `${formatEventTime(dayStartMs).slice(0, 10)}  ${count(day.answered).padStart(6)} flights answered (${[...day.versions].join(', ') || 'none'}), ${count(published - day.published)} events replayed, ` +
            `${driftReports.length} drift alarms so far   [asking ${seconds(day.askingMs)}, replaying ${seconds(day.replayingMs)}, waiting for the pipeline ${seconds(day.waitingMs)}]`,
        );
        dayStartMs += DAY_MS;
        day = newDay();
      }
    }
    // The outcomes of the last flights, and the event time that closes the monitor's last windows.
    await send(await cursor.takeUntil(Number.POSITIVE_INFINITY));
    await settle(published, SETTLE_TIMEOUT_MS);
    note(`replay finished: ${count(published)} events`);
    if (!(await waitForMonitor({ opsPort: services.monitorOpsPort, eventTimeMs: replayedToMs }))) console.log('the drift monitor did not report the last windows within 30 s');
    await waitForTrainer();
    return { published, historyEvents, ingestion, aggregated, accepted: total(ingestion.acceptedByType), firstModelTrained, serving: tally.summary(), driftReports, trainingRequests, timeline };
  } finally {
    predictor.close();
    await cursor.close();
    await watch.close();
    await producer.close();
  }

  /** Holds the replay while a training run the monitor asked for is under way. */
  async function waitForTrainer(): Promise<void> {
    const current = inFlight;
    if (!current || current.done) return;
    console.log(`  … replay paused at ${formatEventTime(replayedToMs)} while the trainer works on request ${current.requestId.slice(0, 8)} (at real speed a run takes minutes of event time)`);
    const deadline = Date.now() + trainingWaitMs;
    while (!current.done && Date.now() < deadline) {
      signal?.throwIfAborted();
      await sleep(200);
    }
    if (!current.done) console.log(`  … the trainer did not finish request ${current.requestId.slice(0, 8)} in ${trainingWaitMs / 1000} s; replaying on`);
    current.done = true;
  }
}
