import { TrainerService, type TrainingRequest } from '@tributary/contracts';
import { clientSecurityOptions } from '@tributary/grpc';
import { createConsumer, createKafkaClient, createProducer, ensureTopics, topics, type TopicDefinition } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';
import { packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import { openFlightTraining, trainingMetrics, trainingRequestRecord, type TrainingRunResult } from '@tributary/training';
import type { TrainerConfig } from './config.js';
import { createTrainerService } from './trainer-service.js';
import { testFaultHook } from './test-fault-hook.js';
import { createTrainingRequestHandler, type TrainingRequestHandlerOptions } from './training-request-handler.js';

/** What an in-process starter of the trainer (a test) may watch, beside the {@link ServiceContext}. */
export interface TrainerHooks {
  /** Called with each finished run; tests watch runs with it. Default: none. */
  readonly onRun?: (result: TrainingRunResult) => void;
}

/** Where the started service listens. */
export interface RunningTrainer {
  readonly grpcPort: number;
  readonly opsPort: number;
}

const version = packageVersion(import.meta.url);

/**
 * Opens the trainer's connections and servers in dependency order, each
 * close registered as it opens: ClickHouse and the registry channel, the
 * Kafka producer, the ops and gRPC servers, and last the
 * `training.requested` consumer. On SIGTERM a run still training is stopped
 * at once and its request left uncommitted, to be delivered again; a run
 * already registering finishes (up to TRAINER_DRAIN_TIMEOUT_MS) and is
 * committed. Then the rest closes.
 */
export async function startTrainer(context: ServiceContext<TrainerConfig>, hooks: TrainerHooks = {}): Promise<RunningTrainer> {
  const { config, lifecycle, logger } = context;
  const requests: TopicDefinition<TrainingRequest> = { ...topics.trainingRequested, name: config.trainer.requestsTopic };
  const dlq = { ...topics.eventsDlq, name: config.trainer.dlqTopic };
  // Registered before the first run, so dashboards and alerts find the training series from the start.
  trainingMetrics();

  const training = openFlightTraining({
    clickhouse: {
      url: config.clickhouse.url,
      database: config.clickhouse.database,
      user: config.clickhouse.user,
      ...(config.clickhouse.password === undefined ? {} : { password: config.clickhouse.password }),
    },
    rawEventsTable: config.trainer.rawEventsTable,
    registry: {
      address: config.registry.address,
      ...clientSecurityOptions(config.auth, { tls: config.registry.tls }),
    },
  });
  lifecycle.register('clickhouse and registry channel', () => training.close());

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  await ensureTopics(kafka, [requests, dlq]);
  const producer = createProducer({ kafka, source: '/tributary/trainer', logger });
  await producer.start();
  lifecycle.register('kafka producer', () => producer.close());

  const host = await startServiceHost({
    ...context,
    name: 'trainer',
    version,
    checks: { clickhouse: () => training.ping() },
    registerServices: (server) =>
      server.register(
        TrainerService,
        createTrainerService({
          publish: async (request) => {
            await producer.send(requests, [trainingRequestRecord(request)]);
          },
        }),
      ),
  });

  const handler = createTrainingRequestHandler({
    dependencies: {
      ...training.dependencies,
      policy: {
        mode: config.promotion.mode,
        minAucGain: config.promotion.minAucGain,
        maxBrierIncrease: config.promotion.maxBrierIncrease,
        maxCalibrationErrorIncrease: config.promotion.maxCalibrationErrorIncrease,
      },
      codeVersion: process.env['GIT_REVISION']?.trim() || `trainer@${version}`,
    },
    logger,
    ...(hooks.onRun ? { onRun: hooks.onRun } : {}),
    ...withTestFault(config, logger),
  });
  const consumer = createConsumer({
    kafka,
    groupId: config.trainer.groupId,
    topic: requests,
    deadLetterTopic: dlq.name,
    retries: config.trainer.retries,
    sessionTimeoutMs: config.trainer.sessionTimeoutMs,
    // One run at a time: a run is minutes of CPU; a second in parallel would only slow both.
    partitionsConcurrency: 1,
    handler,
    logger,
  });
  await consumer.start();
  // Closing aborts the run if it is still training (its request is left to the next trainer); a run already registering finishes.
  lifecycle.register('kafka consumer', () => consumer.close(), { timeoutMs: config.trainer.drainTimeoutMs });

  logger.info({ requests: requests.name, dlq: dlq.name, registry: config.registry.address }, 'trainer consuming');
  return { grpcPort: host.grpcPort, opsPort: host.opsPort };
}

/** The test fault hook TRAINER_TEST_FAULT asks for, announced in the log; nothing when unset. */
function withTestFault(config: TrainerConfig, logger: Logger): Pick<TrainingRequestHandlerOptions, 'onRegistered'> {
  const onRegistered = testFaultHook(config.trainer.testFault, logger);
  if (!onRegistered) return {};
  logger.warn({ fault: config.trainer.testFault }, 'TRAINER_TEST_FAULT is set: this trainer will kill itself on purpose; for tests only');
  return { onRegistered };
}

