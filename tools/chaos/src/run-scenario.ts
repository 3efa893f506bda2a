/**
 * One scenario from start to verdict: fresh topics, database and key prefix;
 * ingestion and the feature pipeline running; the slice published at a
 * steady rate; one fault at a seeded moment; recovery timed; quiet awaited;
 * then the invariants checked against a backfilled reference.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@clickhouse/client';
import { createKafkaClient, ensureTopics, topics } from '@tributary/kafka';
import { Redis } from 'ioredis';
import type { ChaosStack } from './chaos-stack.js';
import { checkDeadLetters, checkValidatedIds, type DeadLetterCheck } from './dead-letter-check.js';
import { compareOffline, compareOnline, latestSnapshotMs, type FeatureComparison } from './feature-comparison.js';
import { sliceTimeMs, type FlightSlice, type SliceEvents } from './flight-slice.js';
import type { ScriptOutcome } from './node-script.js';
import { startPublisher, type Publisher } from './publisher.js';
import { checkRawEvents, storedEventIds, type RawEventsCheck } from './raw-events-check.js';
import { buildReference } from './reference-backfill.js';
import type { ChaosScenario, FaultContext, InjectedFault } from './scenarios.js';
import { checkRegistry, requestTraining, type TrainingRequestRun } from './training-run.js';
import { createServiceFleet } from './service-fleet.js';
import { scenarioNamespace } from './scenario-namespace.js';
import { waitForMembers } from './group-members.js';
import { waitForCatchUp, waitForQuiet, type WatchedGroup } from './wait-for-quiet.js';

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  readonly stack: ChaosStack;
  readonly scenario: ChaosScenario;
  readonly slice: FlightSlice;
  readonly sliceEvents: SliceEvents;
  /** Where in the publish, as a fraction of its expected duration, the fault lands (0–1). */
  readonly faultAt: number;
  /** Publish rate, events/s. */
  readonly eventsPerSecond: number;
  readonly pauseMs: number;
  readonly serverDownMs: number;
  /** Distinguishes this run's names from other runs' on the same stack. */
  readonly runId: string;
  readonly logDir: string;
  readonly log: (line: string) => void;
  /** How long recovery and quiet may each take, in ms. Default 300 000. */
  readonly settleTimeoutMs?: number;
}

/** Extension point for invariants of services still to come (e.g. inference: answered within deadline %). */
export interface ExtraInvariant {
  readonly name: string;
  /** The measurement's value (e.g. 100 for a percentage) and the violation, if any. */
  readonly value: number;
  readonly violation?: string;
}

/** What a scenario did and found. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly fault: string;
  /** Seconds after the publish started that the fault was injected. */
  readonly faultAtS: number;
  /**
   * Seconds from the fault's end (restart issued, process resumed) until the
   * consumers were back: ready, and the backlog present then through every stage.
   */
  readonly recoveryS: number;
  readonly publish: ScriptOutcome;
  readonly raw: RawEventsCheck;
  /** Ids stored in `events_raw` that never reached the validated topic (so no feature counts them). */
  readonly missingOnValidated: number;
  readonly deadLetters: DeadLetterCheck;
  readonly features: FeatureComparison | undefined;
  readonly extra: readonly ExtraInvariant[];
  /** Each invariant broken, in words; empty when the scenario passed. */
  readonly violations: readonly string[];
}

/** A training-phase fault lands within this long after the request (scaled by `faultAt`): while the trainer builds, fits or registers. */
const TRAINING_FAULT_WINDOW_MS = 40_000;

/** Feature snapshots must reach this close to the slice's last departure, or the stream stalled. */
const FEATURE_REACH_SLACK_MS = 60 * 60_000;

function describeViolations(result: Omit<ScenarioResult, 'violations'>, sliceEndMs: number): string[] {
  const { publish, raw, deadLetters, features } = result;
  const violations: string[] = [];
  if (publish.exitCode !== 0) violations.push(`publish exited with ${publish.exitCode ?? publish.signal}: ${publish.outputTail.split('\n').pop() ?? ''}`);
  if (raw.lost > 0) violations.push(`${raw.lost} published ids missing from events_raw`);
  if (raw.duplicated > 0) violations.push(`${raw.duplicated} extra rows of already stored ids in events_raw`);
  if (raw.duplicatedFinal > 0) violations.push(`${raw.duplicatedFinal} extra rows in events_raw FINAL`);
  if (raw.unexpected > 0) violations.push(`${raw.unexpected} ids in events_raw that were never published`);
  if (result.missingOnValidated > 0) violations.push(`${result.missingOnValidated} ids in events_raw never reached the validated topic`);
  if (deadLetters.goodRecords > 0) {
    violations.push(`${deadLetters.goodRecords} dead letters of ${deadLetters.goodIds} good ids (reasons ${JSON.stringify(deadLetters.reasons)})`);
  }
  if (!features) violations.push('the stream wrote no feature snapshots');
  else {
    if (features.throughMs < sliceEndMs - FEATURE_REACH_SLACK_MS) {
      violations.push(`feature snapshots stop at ${new Date(features.throughMs).toISOString()}, the slice runs to ${new Date(sliceEndMs).toISOString()}`);
    }
    for (const [store, byEntity] of [['offline', features.offline], ['online', features.online]] as const) {
      for (const [entity, d] of Object.entries(byEntity)) {
        if (d.missing + d.extra + d.lower + d.higher + d.mixed === 0) continue;
        violations.push(
          `${store} ${entity}: ${d.rows} rows vs ${d.referenceRows} in the reference; missing ${d.missing}, extra ${d.extra}, lower ${d.lower}, higher ${d.higher}, mixed ${d.mixed}`,
        );
      }
    }
  }
  for (const invariant of result.extra) if (invariant.violation) violations.push(`${invariant.name}: ${invariant.violation}`);
  return violations;
}

/** Runs one scenario on `stack`; the services it started are stopped before it returns. */
export async function runScenario(options: RunScenarioOptions): Promise<ScenarioResult> {
  const { stack, scenario, slice, sliceEvents, eventsPerSecond, log, settleTimeoutMs = 300_000 } = options;
  const names = scenarioNamespace(options.runId, scenario.name);
  const kafka = createKafkaClient({ clientId: 'chaos', env: stack.env });
  const admin = kafka.admin();
  const clickhouse = createClient({ url: stack.clickhouseUrl });
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // a killed Redis is this suite's own doing; commands wait for it to return
  const groups: Record<'ingestion' | 'feature-pipeline', WatchedGroup> = {
    ingestion: { groupId: names.ingestionGroup, topic: names.rawTopic },
    'feature-pipeline': { groupId: names.featuresGroup, topic: names.validatedTopic },
  };
  const fleet = createServiceFleet({
    logDir: join(options.logDir, scenario.name),
    env: { ...stack.env, LOG_LEVEL: 'info', CLICKHOUSE_DATABASE: names.database },
    envOf: (service) => ({
      ...names.serviceEnv(service, service === 'trainer' ? fleet.portsOf('registry') : undefined),
      ...(service === 'registry' ? { REGISTRY_ARTIFACT_DIR: join(stack.home, 'artifacts', scenario.name) } : {}),
    }),
  });
  let publisher: Publisher | undefined;
  let training: TrainingRequestRun | undefined;
  const scenarioLog = (name: string) => join(options.logDir, scenario.name, name);
  try {
    await admin.connect();
    await ensureTopics(kafka, [
      { ...topics.eventsRaw, name: names.rawTopic },
      { ...topics.eventsValidated, name: names.validatedTopic },
      { ...topics.eventsDlq, name: names.dlqTopic },
      ...(scenario.phase === 'training' ? [{ ...topics.trainingRequested, name: names.trainingTopic }] : []),
    ]);
    const { instances = 1 } = scenario;
    for (const service of ['ingestion', 'feature-pipeline'] as const) {
      for (let instance = 1; instance <= instances; instance++) await fleet.start(service, instance);
    }
    // Publish only once every instance holds partitions: a fault must land on work that moves.
    if (instances > 1) for (const group of Object.values(groups)) await waitForMembers(admin, group.groupId, group.topic, instances, settleTimeoutMs);
    for (const service of scenario.extraServices) await fleet.start(service);
    log(`${scenario.name}: services ready${instances > 1 ? ` (${instances} instances of ingestion and of the feature pipeline)` : ''}; publishing ${sliceEvents.ids.size} events at ${eventsPerSecond}/s`);

    const running = startPublisher({ slice, topic: names.rawTopic, eventsPerSecond, env: stack.env, logFile: scenarioLog('publish.log') });
    publisher = running;
    const faultContext: FaultContext = {
      stack,
      fleet,
      publisher: running,
      admin,
      groupOf: (service) => (service === 'ingestion' || service === 'feature-pipeline' ? groups[service] : { groupId: names.serviceGroup(service), topic: names.trainingTopic }),
      pauseMs: options.pauseMs,
      serverDownMs: options.serverDownMs,
    };
    const quiet = (watched: readonly WatchedGroup[]) =>
      waitForQuiet({
        admin,
        groups: watched,
        timeoutMs: settleTimeoutMs,
        progress: async () => {
          const result = await clickhouse.query({ query: 'SELECT count() AS n FROM {db:Identifier}.events_raw', query_params: { db: names.database }, format: 'JSONEachRow' });
          return JSON.stringify(await result.json());
        },
      });
    const startedAt = performance.now();
    let fault: InjectedFault;
    let injectedAt: number;
    let recoveryS: number;
    let publish: ScriptOutcome;
    if (scenario.phase === 'training') {
      publish = await running.done;
      await quiet(Object.values(groups));
      const trainerGroup = { groupId: names.serviceGroup('trainer'), topic: names.trainingTopic };
      training = requestTraining({
        slice,
        modelName: `chaos-${options.runId}`,
        requestsTopic: names.trainingTopic,
        dlqTopic: names.dlqTopic,
        timeoutS: settleTimeoutMs / 1000,
        env: stack.env,
        logFile: scenarioLog('train.log'),
      });
      const trainingStartedAt = performance.now();
      log(`${scenario.name}: replayed; training requested (${training.requestId})`);
      await Promise.race([sleep(TRAINING_FAULT_WINDOW_MS * options.faultAt), training.script.done]);
      injectedAt = performance.now();
      log(`${scenario.name}: injecting ${((injectedAt - trainingStartedAt) / 1000).toFixed(1)} s into the training run`);
      fault = await scenario.inject(faultContext);
      log(`${scenario.name}: ${fault.description}`);
      await waitForCatchUp(admin, [trainerGroup], settleTimeoutMs);
      recoveryS = (performance.now() - fault.liftedAtMs) / 1000;
      await quiet([...Object.values(groups), trainerGroup]);
    } else {
      const expectedPublishMs = (sliceEvents.ids.size / eventsPerSecond) * 1000;
      await Promise.race([sleep(options.faultAt * expectedPublishMs), running.done]);
      injectedAt = performance.now();
      log(`${scenario.name}: injecting ${((injectedAt - startedAt) / 1000).toFixed(1)} s into the publish`);
      fault = await scenario.inject(faultContext);
      log(`${scenario.name}: ${fault.description}`);
      await waitForCatchUp(admin, [groups.ingestion, groups['feature-pipeline']], settleTimeoutMs);
      recoveryS = (performance.now() - fault.liftedAtMs) / 1000;
      publish = await running.done;
      await quiet(Object.values(groups));
    }
    const faultAtS = (injectedAt - startedAt) / 1000;
    log(`${scenario.name}: recovered in ${recoveryS.toFixed(1)} s; publisher exited ${publish.exitCode ?? publish.signal}; quiet, checking invariants`);

    const extra = training ? await checkRegistry(`127.0.0.1:${fleet.portsOf('registry').grpcPort}`, training, (await training.script.done).exitCode) : [];
    const raw = await checkRawEvents(clickhouse, names.database, sliceEvents.ids);
    const deadLetters = await checkDeadLetters(kafka, names.dlqTopic, sliceEvents.ids);
    const { missing: missingOnValidated } = await checkValidatedIds(kafka, names.validatedTopic, (await storedEventIds(clickhouse, names.database)).keys());
    const throughMs = await latestSnapshotMs(clickhouse, names.database);
    let features: FeatureComparison | undefined;
    if (throughMs !== undefined) {
      await buildReference({
        clickhouse,
        sourceDatabase: names.database,
        database: names.referenceDatabase,
        redisPrefix: names.referencePrefix,
        // Sealing one ms past the stream's latest boundary emits the same boundaries (they fall on whole minutes).
        untilMs: throughMs + 1,
        env: stack.env,
        logFile: join(options.logDir, scenario.name, 'reference-backfill.log'),
      });
      await redis.connect().catch(() => undefined);
      features = {
        throughMs,
        offline: await compareOffline(clickhouse, names.database, names.referenceDatabase, throughMs),
        online: await compareOnline(redis, names.featuresPrefix, names.referencePrefix),
      };
    }
    const partial = { scenario: scenario.name, fault: fault.description, faultAtS, recoveryS, publish, raw, missingOnValidated, deadLetters, features, extra };
    return { ...partial, violations: describeViolations(partial, sliceTimeMs(slice.to)) };
  } finally {
    publisher?.kill();
    if (training && !training.script.exited()) training.script.child.kill('SIGKILL');
    await fleet.stopAll();
    await Promise.allSettled([admin.disconnect(), clickhouse.close(), redis.quit()]);
  }
}
