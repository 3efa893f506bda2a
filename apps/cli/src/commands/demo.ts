import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import { TrainingRequestSchema } from '@tributary/contracts';
import { createInfra, localEndpoints, startLocalServices, type LocalServiceProcess, type LocalServiceReadiness, type LocalServices } from '@tributary/infra';
import { allTopics, createKafkaClient, ensureTopics, topics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { acceptTrainingRequest, timeWindowOf } from '@tributary/training';
import { bringInfraUp } from './infra.js';
import { formatSeconds } from './infra-output.js';
import { describeFeatureStores, waitForFeaturePipeline, type EntityFeatures } from './demo-features.js';
import { promoteFirstChampion } from './demo-promotion.js';
import { formatServingReport, serveNextFlights, type ServingReport } from './demo-serving.js';
import { replayFlights, waitForIngestion } from './demo-replay.js';
import { requestTraining } from './train.js';
import { runAction } from './run-action.js';
import { positiveInteger } from './arguments.js';
import { platformNames, type PlatformNames } from './platform-names.js';

interface DemoOptions {
  readonly keepRunning: boolean;
  readonly flights: number;
}

const count = (n: number) => n.toLocaleString('en-US');
const listCounts = (counts: ReadonlyMap<string, number>) => [...counts].map(([key, n]) => `${key} ${count(n)}`).join(', ') || 'none';

/** The model the demo trains and promotes. */
const DEMO_MODEL = 'flight-delay';
const MINUTE_MS = 60_000;
/** Flights after the replayed window the demo asks predictions for, and the gRPC clients asking. */
const SERVED_FLIGHTS = 2_000;
const SERVING_CLIENTS = 4;

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

/** `ingestion        ready in 1.2 s   gRPC 127.0.0.1:50051   ops http://127.0.0.1:9464   pid 42`. */
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
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = allTopics.map((topic) => names.topic(topic));
    const { created, grown } = await ensureTopics(admin, wanted);
    const existing = wanted.length - created.length;
    console.log(`${wanted.map((t) => t.name).join(', ')}`);
    console.log(`${created.length} created, ${existing} already there${grown.length > 0 ? `, ${grown.length} grown` : ''}`);
  } finally {
    await admin.disconnect();
  }
}

function untilInterrupted(): Promise<void> {
  // A signal listener alone does not keep Node running: without the timer the process would end here, leaving the services behind.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }).finally(() => clearInterval(keepAlive));
}

/**
 * The main job: the local servers, the topics, every service from its build,
 * what each reports about itself, a slice of the flights dataset replayed
 * through ingestion, the features it becomes, a model trained on them,
 * registered and promoted, then predictions for the flights that follow,
 * judged against their outcomes. Later stages add drift to this same run.
 */
async function runDemo(options: DemoOptions): Promise<number> {
  const startedAt = performance.now();
  // Read first: a bad TRIBUTARY_NAMESPACE stops the demo before it starts anything. The services read the same variable.
  const names = platformNames();
  heading('1. Local infrastructure: Kafka, ClickHouse, Redis');
  const infraExit = await bringInfraUp();
  if (infraExit !== 0) return infraExit;

  heading(names.namespace === undefined ? '2. Topics' : `2. Topics, in namespace ${names.namespace} (TRIBUTARY_NAMESPACE): every topic, group, database and key of this run`);
  await createTopics(names);

  heading('3. Services');
  const logDir = join(createInfra().config.home, 'logs');
  let services: LocalServices | undefined;
  try {
    services = await startLocalServices({ logDir, onReady: (service) => console.log(formatServiceReady(service)) });

    heading('4. Health, as each service reports it on /readyz');
    const readiness = await services.readiness();
    for (const line of readiness.map(formatReadiness)) console.log(line);

    heading(`5. Replay: the first ${count(options.flights)} flights of 2001 into events.raw, through ingestion`);
    const replayed = await replayFlights(options.flights, names);
    const published = replayed.events;
    const service = (name: string) => services?.services.find((s) => s.name === name);
    const ingestion = service('ingestion');
    const outcome = ingestion ? await waitForIngestion(ingestion.opsPort, published, 120_000) : undefined;
    console.log(`published ${count(published)} events (flight.departed + flight.arrived, in event-time order)`);
    if (outcome) {
      console.log(`accepted   ${listCounts(outcome.acceptedByType)} → events.validated and ClickHouse events_raw`);
      console.log(`rejected   ${listCounts(outcome.rejectedByReason)} → events.dlq, each with its reason`);
      console.log(`duplicates ${count(outcome.duplicates)} (ids already ingested, e.g. by an earlier demo run)`);
    }

    heading('6. Features: the feature pipeline aggregates events.validated in event time into Redis (online) and ClickHouse (offline)');
    const accepted = outcome ? [...outcome.acceptedByType.values()].reduce((a, b) => a + b, 0) : 0;
    const pipeline = service('feature-pipeline');
    const aggregated = pipeline ? await waitForFeaturePipeline(pipeline.opsPort, names.topic(topics.eventsValidated).name, accepted, 120_000) : 0;
    console.log(`aggregated ${count(aggregated)} of the ${count(accepted)} newly validated events`);
    const stores = await describeFeatureStores(replayed.lastEventTimeMs, names);
    for (const line of stores.flatMap((entity) => formatEntityFeatures(entity))) console.log(line);

    heading(`7. Training: ${DEMO_MODEL} on the replayed window, through training.requested and the trainer`);
    const trainingWindow = timeWindowOf({ startMs: Date.UTC(2001, 0, 1), endMs: Math.ceil((replayed.lastDepartureMs + 1) / MINUTE_MS) * MINUTE_MS });
    const request = acceptTrainingRequest(
      create(TrainingRequestSchema, { modelName: DEMO_MODEL, trainingWindow, requestedBy: 'tributary-demo', reasonDetail: 'tributary demo' }),
    );
    const target = { topic: names.topic(topics.trainingRequested).name, dlqTopic: names.topic(topics.eventsDlq).name, timeout: 600 };
    const trained = (await requestTraining(request, target, names)) === 0;

    heading('8. Promotion: champion moves only to an approved version');
    const registry = service('registry');
    const promotion = trained && registry ? await promoteFirstChampion(`127.0.0.1:${registry.grpcPort}`, DEMO_MODEL) : ['skipped: training did not finish'];
    for (const line of promotion) console.log(line);

    heading(`9. Serving: the ${count(SERVED_FLIGHTS)} flights after the replayed window, asked of the inference service over gRPC`);
    const inference = service('inference');
    let serving: ServingReport | undefined;
    if (trained && inference) {
      serving = await serveNextFlights({ address: `127.0.0.1:${inference.grpcPort}`, modelName: DEMO_MODEL, after: options.flights, flights: SERVED_FLIGHTS, clients: SERVING_CLIENTS });
      for (const line of formatServingReport(serving, SERVING_CLIENTS)) console.log(line);
    } else {
      console.log('skipped: no model was trained');
    }

    heading('What happened');
    const ready = readiness.filter((r) => r.ready).length;
    console.log(`Kafka, ClickHouse and Redis run on loopback; ${allTopics.length} topics exist; ${ready} of ${readiness.length} services are ready.`);
    if (outcome) console.log(`Ingestion accounted for ${count(outcome.handled)} of ${count(published)} replayed events.`);
    console.log(`The feature pipeline aggregated ${count(aggregated)} of ${count(accepted)} new events; the stores hold ${stores.map((e) => `${count(e.entities)} ${e.entityType}s`).join(' and ') || 'nothing yet'}.`);
    console.log(trained ? `The trainer trained, verified and registered ${DEMO_MODEL}; ${promotion[0]}.` : `Training ${DEMO_MODEL} did not finish (see above).`);
    if (serving) console.log(`Inference answered ${count(serving.answered)} of ${count(serving.asked)} following flights (p99 ${serving.p99Ms.toFixed(1)} ms); their outcomes give the served answers an AUC of ${serving.auc.toFixed(3)}.`);
    console.log(`Service logs: ${logDir}/<service>.log. Metrics: http://127.0.0.1:<ops port>/metrics.`);
    console.log(`Took ${formatSeconds(performance.now() - startedAt)}.`);
    if (options.keepRunning) {
      console.log('\nServices keep running; Ctrl-C stops them (the local servers keep running: `npm run infra:down`).');
      await untilInterrupted();
    }
    const complete = ready === readiness.length && outcome !== undefined && outcome.handled >= published && aggregated >= accepted && trained && (serving?.answered ?? 0) > 0;
    return complete ? 0 : 1;
  } finally {
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
    .description('start local Kafka, ClickHouse and Redis and every service, and show what happened')
    .option('--keep-running', 'leave the services running until Ctrl-C', false)
    .option('--flights <count>', 'how many flights of the dataset to replay (2 events each); the model trains on them', positiveInteger, 20_000)
    .action(runAction(runDemo));
}
