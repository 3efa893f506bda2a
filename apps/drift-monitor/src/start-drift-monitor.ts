import { ModelRegistryService, type Event, type ModelLifecycleEvent, type PredictionLog } from '@tributary/contracts';
import { createDriftMonitor, createDriftMonitorStore, type DriftMonitor, type DriftMonitorStore, type FlightObservation } from '@tributary/drift';
import { clientSecurityOptions, createGrpcChannel, createGrpcClient } from '@tributary/grpc';
import { createConsumer, createKafkaClient, createProducer, ensureTopics, topics, type TopicDefinition, type TypedConsumer } from '@tributary/kafka';
import { withSpan } from '@tributary/observability';
import { createClickHouseConnection, packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import { acceptTrainingRequest, trainingRequestRecord } from '@tributary/training';
import { FLIGHT_PERIODIC_FEATURES, type DriftMonitorConfig } from './config.js';
import { flightObservation } from './flight-observation.js';
import { createMonitorMetrics } from './monitor-metrics.js';
import { createRegistryReferences } from './registry-references.js';

const version = packageVersion(import.meta.url);

/** The started service: where it listens, and its monitor and store for whoever started it in-process (tests, the demo). */
export interface RunningDriftMonitor {
  readonly grpcPort: number;
  readonly opsPort: number;
  readonly monitor: DriftMonitor;
  /** Reports and lineage, as `tributary drift reports` reads them. */
  readonly store: DriftMonitorStore;
}

/**
 * Opens, each close registered as it opens: ClickHouse (tables created), the
 * registry channel, the producer of `drift.detected` and
 * `training.requested`, the ops and health servers, the three consumers
 * (predictions, validated events, registry lifecycle — each batch stored
 * before its offsets are committed), and last the timer of evaluation passes.
 * On SIGTERM the timer stops and the pass in progress finishes, then the
 * consumers commit and leave, then the rest closes.
 */
export async function startDriftMonitor(context: ServiceContext<DriftMonitorConfig>): Promise<RunningDriftMonitor> {
  const { config, lifecycle, logger } = context;
  const named = <T>(topic: TopicDefinition<T>, name: string): TopicDefinition<T> => ({ ...topic, name });
  const predictionsTopic = named(topics.predictionsLogged, config.topics.predictions);
  const eventsTopic = named(topics.eventsValidated, config.topics.events);
  const lifecycleTopic = named(topics.modelLifecycle, config.topics.lifecycle);
  const reportsTopic = named(topics.driftDetected, config.topics.reports);
  const requestsTopic = named(topics.trainingRequested, config.topics.trainingRequests);
  const dlqTopic = named(topics.eventsDlq, config.topics.dlq);

  const clickhouse = createClickHouseConnection(config.clickhouse, { database: 'default' });
  lifecycle.register('clickhouse', () => clickhouse.close());
  const store = createDriftMonitorStore({ client: clickhouse, database: config.clickhouse.database });
  // With CLICKHOUSE_MANAGE_SCHEMA=false an operator made the tables (deploy/clickhouse); the user may not create them.
  if (config.clickhouse.manageSchema) await store.ensureSchema();

  const channel = createGrpcChannel({ address: config.registry.address, ...clientSecurityOptions(config.auth, { tls: config.registry.tls }) });
  lifecycle.register('registry channel', () => channel.close());
  const references = createRegistryReferences(createGrpcClient(ModelRegistryService, channel));

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  await ensureTopics(kafka, [predictionsTopic, eventsTopic, lifecycleTopic, reportsTopic, requestsTopic, dlqTopic]);
  const producer = createProducer({ kafka, source: '/tributary/drift-monitor', logger });
  await producer.start();
  lifecycle.register('kafka producer', () => producer.close());

  const metrics = createMonitorMetrics();
  const { drift } = config;
  const monitor = createDriftMonitor({
    store,
    references,
    outputs: {
      publishReport: async (report) => {
        await producer.send(reportsTopic, [{ key: report.modelName, value: report, id: `${report.reportId}/${report.revision}` }]);
      },
      requestTraining: async (request) => {
        // Checked as the trainer will check it: a request it would refuse is a bug here, not a record for its dead-letter topic.
        await producer.send(requestsTopic, [trainingRequestRecord(acceptTrainingRequest(request))]);
        logger.info({ requestId: request.requestId, model: request.modelName, driftReportId: request.driftReportId, reason: request.reasonDetail }, 'training requested');
      },
    },
    windows: { sizeMs: drift.windowSizeMs, stepMs: drift.windowStepMs },
    allowedLatenessMs: drift.allowedLatenessMs,
    lateUpdateHorizonMs: drift.lateUpdateHorizonMs,
    thresholds: { calibrationGap: drift.calibrationGap, aucDrop: drift.aucDrop, minLabelledCount: drift.minLabelled, minSampleCount: drift.minSamples },
    driftRules: { largeSampleSize: drift.largeSampleSize, pValueThreshold: drift.pValue, wassersteinNormedThreshold: drift.wassersteinNormed, jensenShannonThreshold: drift.jensenShannon },
    driftShareThreshold: drift.driftShare,
    periodicFeatures: FLIGHT_PERIODIC_FEATURES,
    policy: { cooldownMs: drift.cooldownMs, requestTimeoutMs: drift.requestTimeoutMs, scheduleIntervalMs: drift.scheduleIntervalMs },
    trainingWindowMs: drift.trainingWindowMs,
    onReport: (report) => metrics.observeReport(report),
    onAlarm: (alarm) => {
      metrics.observeAlarm(alarm);
      const { report, raised, retraining } = alarm;
      logger.warn(
        {
          reportId: report.reportId,
          model: report.modelName,
          version: report.modelVersion,
          revision: report.revision,
          raised,
          reasons: report.reasons.map((r) => `${r.rule}: ${r.detail}`),
          retraining: retraining.action === 'request' ? 'requested' : `skipped (${retraining.why})`,
        },
        'drift detected',
      );
    },
    onTrainingRequest: (request) => metrics.observeTrainingRequest(request),
  });

  const { grpcPort, opsPort } = await startServiceHost({
    ...context,
    name: 'drift-monitor',
    version,
    checks: { clickhouse: async () => (await clickhouse.ping()).success },
  });

  const consumerOf = <T>(topic: TopicDefinition<T>, suffix: string, handle: (values: T[]) => Promise<void>): TypedConsumer =>
    createConsumer({
      kafka,
      groupId: `${config.groupId}.${suffix}`,
      topic,
      deadLetterTopic: dlqTopic.name,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
      batchHandler: (records) => handle(records.map((record) => record.value)),
      logger,
    });
  const consumers: [string, TypedConsumer][] = [
    ['predictions', consumerOf<PredictionLog>(predictionsTopic, 'predictions', (logs) => monitor.recordPredictions(logs))],
    ['events', consumerOf<Event>(eventsTopic, 'events', (events) => monitor.recordFlights(events.map(flightObservation).filter((o): o is FlightObservation => o !== undefined)))],
    ['lifecycle', consumerOf<ModelLifecycleEvent>(lifecycleTopic, 'lifecycle', (events) => monitor.recordLifecycle(events))],
  ];
  for (const [name, consumer] of consumers) {
    await consumer.start();
    lifecycle.register(`kafka consumer ${name}`, () => consumer.close());
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const runPass = async () => {
    try {
      await withSpan('drift-monitor evaluate', async (span) => {
        const reports = await monitor.evaluate();
        span.setAttribute('drift.reports', reports.length);
      });
      metrics.observeWatermark(monitor.watermarkMs());
    } catch (error) {
      // A pass that failed (ClickHouse or the registry down) leaves its windows for the next pass.
      logger.error({ err: error }, 'drift evaluation pass failed; retried on the next pass');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runPass().finally(schedule);
    }, drift.evaluateIntervalMs);
  };
  schedule();
  lifecycle.register('evaluation passes', async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  });

  logger.info(
    { grpcPort, opsPort, predictions: predictionsTopic.name, events: eventsTopic.name, windowSizeMs: drift.windowSizeMs, windowStepMs: drift.windowStepMs, database: store.database },
    'drift monitor started',
  );
  return { grpcPort, opsPort, monitor, store };
}
