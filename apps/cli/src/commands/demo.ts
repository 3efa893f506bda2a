import { join } from 'node:path';
import type { Command } from 'commander';
import { TrainingReason, type ModelVersion } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import {
  createInfra,
  localEndpoints,
  localServiceDefinitions,
  startLocalServices,
  type LocalServiceProcess,
  type LocalServiceReadiness,
  type LocalServices,
} from '@tributary/infra';
import { allTopics, createKafkaClient, ensureTopics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { bringInfraUp } from './infra.js';
import { formatSeconds } from './infra-output.js';
import { runClosedLoop, type ClosedLoopResult } from './demo-closed-loop.js';
import { describeFeatureStores, type EntityFeatures } from './demo-features.js';
import { formatEarlierRun, formatModelVersions, listModelVersions } from './demo-models.js';
import { FULL_PLAN, QUICK_PLAN, demoPlan, demoReportRange, demoServiceEnv } from './demo-plan.js';
import { formatServicePrincipal, promoteAsOperator, secureDemoEnv, type SecureDemoEnv } from './demo-secure.js';
import { formatServingSummary } from './demo-serving.js';
import { driftEvidence, formatEventTime, formatTimeline, formatWindow } from './demo-timeline.js';
import { runAction } from './run-action.js';
import { positiveInteger, windowBound } from './arguments.js';
import { writeReport } from './report.js';
import { platformNames, type PlatformNames } from './platform-names.js';

interface DemoOptions {
  readonly keepRunning: boolean;
  readonly full: boolean;
  readonly secure: boolean;
  readonly every?: number;
  readonly from?: number;
  readonly trainUntil?: number;
  readonly until?: number;
  readonly clients: number;
}

const count = (n: number) => n.toLocaleString('en-US');
const total = (counts: ReadonlyMap<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** The model the demo trains, serves, watches and retrains. */
const DEMO_MODEL = 'flight-delay';

/** `airport ORD: 1,234 snapshots of 150 airports in tributary.features_airport; online now: departures_1h 38, …`. */
export function formatEntityFeatures(features: EntityFeatures, shown = 6): string[] {
  const values = Object.entries(features.values)
    .slice(0, shown)
    .map(([name, value]) => `${name} ${Number.isNaN(value) ? '–' : Number.isInteger(value) ? value : value.toFixed(3)}`);
  return [
    `${features.entityType.padEnd(8)}${count(features.snapshots)} snapshots of ${count(features.entities)} ${features.entityType}s in ClickHouse ${features.table}`,
    `        online (Redis) for ${features.busiest}: ${values.join(', ')}${Object.keys(features.values).length > shown ? ', …' : ''}`,
  ];
}

function heading(step: string): void {
  console.log(`\n━━ ${step}`);
}

/** `ingestion        ready in 1.2 s   gRPC 127.0.0.1:15051   ops http://127.0.0.1:9464   pid 42`. */
export function formatServiceReady(service: LocalServiceProcess): string {
  return `${service.name.padEnd(18)}ready in ${formatSeconds(service.startMs).padEnd(8)}gRPC 127.0.0.1:${service.grpcPort}   ops http://127.0.0.1:${service.opsPort}   pid ${service.pid}`;
}

/** `registry          ready       lifecycle up, redis up`. */
export function formatReadiness(readiness: LocalServiceReadiness): string {
  const checks = Object.entries(readiness.checks).map(([name, state]) => `${name} ${state}`);
  return `${readiness.name.padEnd(18)}${(readiness.ready ? 'ready' : 'NOT READY').padEnd(12)}${checks.join(', ') || 'no answer'}`;
}

async function createTopics(names: PlatformNames): Promise<void> {
  const logger = createLogger({ name: 'cli', level: 'warn' });
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-cli'), brokers: localEndpoints().kafkaBrokers, logger });
  const wanted = allTopics.map((topic) => names.topic(topic));
  const { created, grown } = await ensureTopics(kafka, wanted);
  const existing = wanted.length - created.length;
  console.log(`${wanted.map((t) => t.name).join(', ')}`);
  console.log(`${created.length} created, ${existing} already there${grown.length > 0 ? `, ${grown.length} grown` : ''}`);
}

function untilInterrupted(): Promise<void> {
  // A signal listener alone does not keep Node running: without the timer the process would end here, leaving the services behind.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }).finally(() => clearInterval(keepAlive));
}

/** The command line's changes to the plan, leaving out what was not given. */
function pick(options: DemoOptions) {
  return {
    ...(options.every === undefined ? {} : { every: options.every }),
    ...(options.from === undefined ? {} : { fromMs: options.from }),
    ...(options.trainUntil === undefined ? {} : { trainUntilMs: options.trainUntil }),
    ...(options.until === undefined ? {} : { untilMs: options.until }),
  };
}

/** The report's closing section: events, models, predictions, drift, the loop's timeline. */
function printReport(loop: ClosedLoopResult, versions: readonly ModelVersion[], clients: number): void {
  heading('What happened');
  const { ingestion } = loop;
  console.log(
    `Events: ${count(loop.published)} replayed (${count(loop.historyEvents)} of history, ${count(loop.published - loop.historyEvents)} while serving); ` +
      `ingestion accepted ${count(loop.accepted)}, rejected ${count(total(ingestion.rejectedByReason))}, duplicates ${count(ingestion.duplicates)}; the feature pipeline aggregated ${count(loop.aggregated)}.`,
  );
  console.log('Models:');
  for (const line of formatModelVersions(versions)) console.log(line);
  console.log('Predictions:');
  for (const line of formatServingSummary(loop.serving, clients)) console.log(`  ${line}`);
  console.log(`Drift alarms (drift.detected): ${loop.driftReports.length}`);
  for (const report of loop.driftReports) console.log(`  ${formatWindow(report.window)}  v${report.modelVersion}  ${count(report.sampleCount)} predictions, ${count(report.performance?.labelledCount ?? 0)} outcomes: ${driftEvidence(report)}`);
  const byMonitor = loop.trainingRequests.filter((r) => r.reason === TrainingReason.DRIFT_DETECTED);
  console.log(`Training requests: ${loop.trainingRequests.length} (${byMonitor.length} by the drift monitor)`);
  console.log('Timeline (wall clock since the start, event time, step):');
  for (const line of formatTimeline(loop.timeline)) console.log(line);
}

/**
 * The main job: the local servers, the topics, every service from its build,
 * what each reports about itself, then the closed loop of the plan (see
 * {@link runClosedLoop}) and a report of it. Stops the services it started;
 * the local servers keep running.
 */
async function runDemo(options: DemoOptions): Promise<number> {
  const startedAt = performance.now();
  // Read first: a bad TRIBUTARY_NAMESPACE stops the demo before it starts anything. The services read the same variable.
  const names = platformNames();
  const plan = demoPlan({ full: options.full, ...pick(options) });
  console.log(
    `${plan.name} mode: every ${plan.every === 1 ? '' : `${plan.every}th `}flight departing ${formatEventTime(plan.fromMs)} → ${formatEventTime(plan.untilMs)}; ` +
      `the first model trains on the flights before ${formatEventTime(plan.trainUntilMs)}, the rest are served and watched`,
  );
  heading(options.secure ? '1. Local infrastructure, secure: Kafka (SASL/SCRAM, ACLs), ClickHouse and Redis (users per service), certificates' : '1. Local infrastructure: Kafka, ClickHouse, Redis');
  const infraExit = await bringInfraUp({ secure: options.secure });
  if (infraExit !== 0) return infraExit;
  const home = createInfra().config.home;
  // What every service gets besides its credentials; read before the demo's own process takes the operator's.
  const serviceEnv = { ...process.env, ...demoServiceEnv(plan, DEMO_MODEL) };
  let secure: SecureDemoEnv | undefined;
  if (options.secure) {
    secure = await secureDemoEnv(home, localServiceDefinitions, serviceEnv);
    // Every client the demo opens from here reads these: its calls are the operator's, no admin's.
    Object.assign(process.env, secure.operator);
    console.log("The demo's own calls (topics, the replay, store reads, champion moves, Predict) run as principal operator; nothing runs as admin.");
  }

  heading(names.namespace === undefined ? '2. Topics' : `2. Topics, in namespace ${names.namespace} (TRIBUTARY_NAMESPACE): every topic, group, database and key of this run`);
  await createTopics(names);

  heading('3. Services');
  const logDir = join(home, 'logs');
  let services: LocalServices | undefined;
  // Ctrl-C stops the replay between two slices; the services are then stopped below, not left running.
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort(new TributaryError(Code.Cancelled, 'interrupted (Ctrl-C): stopping the services'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    services = await startLocalServices({
      logDir,
      envFor: secure?.envFor ?? (() => serviceEnv),
      onReady: (service) => console.log(formatServiceReady(service)),
    });
    if (secure) {
      console.log('Each service runs as its own principal, with mutual TLS and per-RPC authorization between them:');
      for (const started of services.services) console.log(formatServicePrincipal(started.name, secure.envFor(started)));
    }

    heading('4. Health, as each service reports it on /readyz');
    const readiness = await services.readiness();
    for (const line of readiness.map(formatReadiness)) console.log(line);

    const service = (name: string) => services?.services.find((s) => s.name === name);
    const [ingestion, pipeline, inference, registry, monitor] = ['ingestion', 'feature-pipeline', 'inference', 'registry', 'drift-monitor'].map(service);
    if (!ingestion || !pipeline || !inference || !registry || !monitor) throw new Error('the demo needs all six services');
    for (const line of formatEarlierRun(await listModelVersions(`127.0.0.1:${registry.grpcPort}`, DEMO_MODEL), DEMO_MODEL, names.namespace)) console.log(line);
    const loop = await runClosedLoop({
      plan,
      names,
      modelName: DEMO_MODEL,
      services: { ingestionOpsPort: ingestion.opsPort, pipelineOpsPort: pipeline.opsPort, monitorOpsPort: monitor.opsPort, inferenceAddress: `127.0.0.1:${inference.grpcPort}` },
      clients: options.clients,
      startedAtMs: startedAt,
      signal: interrupted.signal,
      heading,
      ...(secure ? { promoteRecommended: (event) => promoteAsOperator(`127.0.0.1:${registry.grpcPort}`, event) } : {}),
      onHistoryReplayed: async (lastEventTimeMs) => {
        for (const line of (await describeFeatureStores(lastEventTimeMs, names)).flatMap((entity) => formatEntityFeatures(entity))) console.log(line);
      },
    });
    const versions = await listModelVersions(`127.0.0.1:${registry.grpcPort}`, DEMO_MODEL);
    printReport(loop, versions, options.clients);
    // The same report as charts, from what the monitor stored: `tributary report` renders it again, for any range.
    try {
      await writeReport({ modelName: DEMO_MODEL, ...demoReportRange(plan), registryAddress: `127.0.0.1:${registry.grpcPort}` });
    } catch (error) {
      console.log(`No HTML report: ${TributaryError.from(error).message}`);
    }
    const ready = readiness.filter((r) => r.ready).length;
    console.log(`Kafka, ClickHouse and Redis run on loopback${secure ? ', secure' : ''}; ${allTopics.length} topics exist; ${ready} of ${readiness.length} services are ready.`);
    if (secure) console.log(`Ran secure: ${services.services.map((s) => `${s.name} as ${secure?.envFor(s)['KAFKA_SASL_USERNAME'] ?? '?'}`).join(', ')}; the demo as operator; admin only set the servers up.`);
    console.log(`Service logs: ${logDir}/<service>.log. Metrics: http://127.0.0.1:<ops port>/metrics.`);
    console.log(`Took ${formatSeconds(performance.now() - startedAt)}.`);
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    if (options.keepRunning) {
      console.log('\nServices keep running; Ctrl-C stops them (the local servers keep running: `npm run infra:down`).');
      await untilInterrupted();
    }
    const complete =
      ready === readiness.length && loop.ingestion.handled >= loop.published && loop.aggregated >= loop.accepted && loop.firstModelTrained && loop.serving.answered > 0;
    return complete ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    if (services) {
      const stops = await services.stop();
      console.log(`\nStopped ${stops.map((s) => `${s.name} (${s.outcome})`).join(', ')}.`);
    }
  }
}

/** `tributary demo`: the README's main command. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start local Kafka, ClickHouse and Redis and every service, replay flights in event time through the closed loop (train, serve, watch for drift, retrain, promote) and report what happened')
    .option('--full', `all six months (every ${FULL_PLAN.every}th flight): train on January, serve and watch February to June (default: the quick mode, every ${QUICK_PLAN.every}th flight of 7–23 May)`, false)
    .option('--every <k>', 'replay every k-th flight of the dataset (default: the mode\'s)', positiveInteger)
    .option('--from <time>', 'first departure replayed, YYYY-MM-DD[THH:MM] (default: the mode\'s)', windowBound)
    .option('--train-until <time>', 'the first model trains on the departures before this; later ones are served (default: the mode\'s)', windowBound)
    .option('--until <time>', 'end of the departures replayed (default: the mode\'s)', windowBound)
    .option('--clients <count>', 'gRPC clients asking for predictions at once', positiveInteger, 4)
    .option('--secure', 'the servers secure (`infra up --secure`), each service as its own principal with mutual TLS and per-RPC authorization, the demo as the operator', false)
    .option('--keep-running', 'leave the services running until Ctrl-C', false)
    .action(runAction(runDemo));
}
