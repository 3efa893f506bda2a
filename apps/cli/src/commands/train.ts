import { create, fromBinary } from '@bufbuild/protobuf';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { ModelLifecycleEventSchema, ModelLifecycleEventType, TrainingRequestSchema, type ModelLifecycleEvent, type TrainingRequest } from '@tributary/contracts';
import { createKafkaClient, createProducer, ensureTopics, topics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import {
  MODEL_PARAM_NAMES,
  TRAINER_TAGS,
  acceptTrainingRequest,
  openFlightTraining,
  runTraining,
  timeWindowOf,
  trainingRequestRecord,
  type TrainingProgress,
  type TrainingRunResult,
} from '@tributary/training';
import { windowBound } from './arguments.js';
import { clickhouseConnection } from './clickhouse-connection.js';
import { platformNames, type PlatformNames } from './platform-names.js';
import { runAction } from './run-action.js';
import { registryAddress } from './registry-address.js';

/** What `tributary train` is given on its command line. */
export interface TrainCommandOptions {
  readonly model: string;
  readonly from: number;
  readonly to: number;
  readonly validationFrom?: number;
  readonly validationTo?: number;
  readonly holdoutFrom?: number;
  readonly holdoutTo?: number;
  readonly param: Readonly<Record<string, string>>;
  readonly requestId?: string;
  readonly local: boolean;
  readonly timeout: number;
  /** Default: `training.requested` in the namespace of TRIBUTARY_NAMESPACE. */
  readonly topic?: string;
  /** Default: `events.dlq` in the namespace of TRIBUTARY_NAMESPACE. */
  readonly dlqTopic?: string;
}

/** `--param learning_rate=0.05`, repeatable. */
function collectParam(text: string, params: Readonly<Record<string, string>>): Record<string, string> {
  const match = /^([a-z0-9_]+)=(.+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected name=value');
  return { ...params, [match[1] as string]: match[2] as string };
}

function positiveSeconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return value;
}

/** A window of two bounds given together, or none. */
function optionalWindow(name: string, from: number | undefined, to: number | undefined) {
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) throw new InvalidArgumentError(`--${name}-from and --${name}-to go together`);
  return timeWindowOf({ startMs: from, endMs: to });
}

/**
 * The request the options describe, checked as the trainer would check it
 * (InvalidTrainingRequestError names the bad field), with an id and request
 * time filled in.
 */
export function trainingRequestFromOptions(options: TrainCommandOptions, requestedBy: string): TrainingRequest {
  const validationWindow = optionalWindow('validation', options.validationFrom, options.validationTo);
  const holdoutWindow = optionalWindow('holdout', options.holdoutFrom, options.holdoutTo);
  return acceptTrainingRequest(
    create(TrainingRequestSchema, {
      requestId: options.requestId ?? '',
      modelName: options.model,
      trainingWindow: timeWindowOf({ startMs: options.from, endMs: options.to }),
      ...(validationWindow ? { validationWindow } : {}),
      ...(holdoutWindow ? { holdoutWindow } : {}),
      params: { ...options.param },
      requestedBy,
      reasonDetail: 'tributary train',
    }),
  );
}

/** A bar over the run: percentage, stage and detail. */
function createProgressBar() {
  const bar = new SingleBar({ format: ' {bar} {percentage}% | {stage} {detail}', hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(fraction: number, stage: string, detail = '') {
      if (!started) bar.start(100, 0, { stage, detail });
      started = true;
      bar.update(Math.round(fraction * 100), { stage, detail });
    },
    stop: () => bar.stop(),
  };
}

/** The lines printed after a run: versions, holdout metrics and what happened to the aliases. */
export function formatRunSummary(result: TrainingRunResult): string[] {
  const metric = (name: string, metrics: Readonly<Record<string, number>>) => metrics[name]?.toFixed(4) ?? '-';
  const lines = [
    result.outcome === 'duplicate' ? `request ${result.requestId} was trained before; nothing new registered` : `trained ${result.modelName} for request ${result.requestId}`,
    ...[result.primary, result.fallback].map(
      (m) => `  ${m.role.padEnd(9)}v${m.version} ${m.modelType.padEnd(20)}holdout AUC ${metric('holdout_auc', m.metrics)}  log loss ${metric('holdout_log_loss', m.metrics)}  Brier ${metric('holdout_brier', m.metrics)}`,
    ),
  ];
  if (result.promotion) {
    const { championMoved, challengerMoved, reason } = result.promotion;
    lines.push(`  aliases  ${challengerMoved ? 'challenger → new primary' : 'challenger unchanged'}, ${championMoved ? 'champion → new primary' : 'champion unchanged'}: ${reason}`);
  }
  return lines;
}

/**
 * Trains in this process against ClickHouse and the registry (`CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE` or the namespace's,
 * as `CLICKHOUSE_USER`/`CLICKHOUSE_PASSWORD`; `REGISTRY_ADDRESS`).
 */
async function trainLocally(request: TrainingRequest, names: PlatformNames): Promise<number> {
  const { url, user, password } = clickhouseConnection();
  const training = openFlightTraining({
    clickhouse: { url, user, ...(password === undefined ? {} : { password }), database: names.database },
    registry: { address: registryAddress(), ...(process.env['SERVICE_AUTH_TOKEN'] ? { token: process.env['SERVICE_AUTH_TOKEN'] } : {}) },
  });
  const bar = createProgressBar();
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  try {
    const result = await runTraining(
      request,
      { ...training.dependencies, logger: createLogger({ name: 'train', level: 'warn' }), actor: 'tributary-cli' },
      { signal: interrupted.signal, onProgress: (p: TrainingProgress) => bar.update(p.fraction, p.stage, p.detail ?? '') },
    );
    bar.stop();
    for (const line of formatRunSummary(result)) console.log(line);
    return 0;
  } finally {
    bar.stop();
    process.removeListener('SIGINT', stop);
    await training.close();
  }
}

/** End offsets of every partition of `topic`, where following "from now" starts. */
async function endOffsets(kafka: ReturnType<typeof createKafkaClient>, topic: string): Promise<{ partition: number; offset: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
  } finally {
    await admin.disconnect();
  }
}

/** Where {@link requestTraining} sends a request and looks for its failure, and how long it waits. */
export interface TrainingRequestTarget {
  readonly topic: string;
  readonly dlqTopic: string;
  /** Seconds. */
  readonly timeout: number;
}

/**
 * Publishes the request and follows it: `model.lifecycle` (of the namespace)
 * for the versions registered under its id and the aliases moved to them, the
 * dead-letter topic for a run that failed. Both are read from their ends as
 * they were before the request went out, so nothing of this run is missed.
 * Resolves to the exit code: 0 done, 1 failed, 2 no answer in time.
 */
export async function requestTraining(request: TrainingRequest, options: TrainingRequestTarget, names: PlatformNames = platformNames()): Promise<number> {
  const logger = createLogger({ name: 'train', level: 'warn' });
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-train'), logger });
  const requests = { ...topics.trainingRequested, name: options.topic };
  const lifecycle = names.topic(topics.modelLifecycle);
  await ensureTopics(kafka, [requests, lifecycle, { ...topics.eventsDlq, name: options.dlqTopic }]);
  const followed = [lifecycle.name, options.dlqTopic];
  const starts = await Promise.all(followed.map((topic) => endOffsets(kafka, topic)));
  const consumer = kafka.consumer({ groupId: names.kafkaId(`tributary-train-${request.requestId}`), maxWaitTimeInMs: 200 });
  const producer = createProducer({ kafka, source: '/tributary/cli/train', logger });
  const bar = createProgressBar();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: followed });
    const outcome = new Promise<number>((resolve) => {
      let primaryVersion = 0;
      const onLifecycle = (event: ModelLifecycleEvent) => {
        const version = event.modelVersion;
        if (event.modelName !== request.modelName || version?.tags[TRAINER_TAGS.requestId] !== request.requestId) return;
        if (event.type === ModelLifecycleEventType.REGISTERED) {
          const role = version.tags[TRAINER_TAGS.role];
          if (role === 'primary') primaryVersion = event.version;
          bar.update(role === 'primary' ? 0.95 : 0.9, `${role} v${event.version} registered`);
          console.log(`\n${role} v${event.version} (${version.modelType}) registered: holdout AUC ${version.metrics['holdout_auc']?.toFixed(4) ?? '-'}`);
        } else if (event.type === ModelLifecycleEventType.ALIAS_SET && event.version === primaryVersion) {
          console.log(`\n${event.alias} → v${event.version}: ${event.reason}`);
          // The challenger moves first; champion, if it moves, right after: give it a moment.
          if (event.alias === 'champion') resolve(0);
          else setTimeout(() => resolve(0), 3000).unref();
        }
      };
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          if (topic === options.dlqTopic) {
            // A dead letter has an id of its own; the request's id moved to dlq_source_ce_id.
            const requestId = message.headers?.['dlq_source_ce_id'] ?? message.headers?.['ce_id'];
            if (requestId?.toString() !== request.requestId) return;
            bar.stop();
            console.error(`✗ training failed: ${message.headers?.['dlq_error']?.toString() ?? 'no reason given'}`);
            resolve(1);
          } else if (message.value) {
            onLifecycle(fromBinary(ModelLifecycleEventSchema, message.value));
          }
        },
      });
      followed.forEach((topic, i) => starts[i]?.forEach(({ partition, offset }) => consumer.seek({ topic, partition, offset })));
      setTimeout(() => {
        bar.stop();
        console.error(`✗ no result within ${options.timeout} s; the trainer may still be working (request ${request.requestId})`);
        resolve(2);
      }, options.timeout * 1000).unref();
    });
    await producer.send(requests, [trainingRequestRecord(request)]);
    console.log(`requested training of ${request.modelName} (request ${request.requestId}) on ${requests.name}; waiting for the trainer`);
    bar.update(0.02, 'queued');
    const code = await outcome;
    bar.update(1, code === 0 ? 'done' : 'failed');
    return code;
  } finally {
    bar.stop();
    await producer.close();
    await consumer.disconnect();
  }
}

/** `tributary train`: request a training run and follow it, or run one here with `--local`. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on a window of labelled flights: publish a training request and follow it, or train in this process (--local)')
    .requiredOption('--model <name>', 'model to train, e.g. flight-delay')
    .requiredOption('--from <time>', 'training window start, YYYY-MM-DD[THH:MM] (naive local time, as the dataset)', windowBound)
    .requiredOption('--to <time>', 'training window end (exclusive)', windowBound)
    .option('--validation-from <time>', 'early-stopping window start (default: the tail of the training window)', windowBound)
    .option('--validation-to <time>', 'early-stopping window end', windowBound)
    .option('--holdout-from <time>', 'holdout window start, after validation (default: the tail of the training window)', windowBound)
    .option('--holdout-to <time>', 'holdout window end', windowBound)
    .option('--param <name=value>', `hyperparameter override, repeatable; one of ${MODEL_PARAM_NAMES.join(', ')}`, collectParam, {})
    .option('--request-id <id>', 'id of the request (default: a new UUID); the same id never trains twice')
    .option('--local', 'train in this process against CLICKHOUSE_URL and REGISTRY_ADDRESS instead of asking the trainer service', false)
    .option('--timeout <seconds>', 'how long to wait for the trainer service', positiveSeconds, 1800)
    .option('--topic <name>', `topic of training requests (default: ${topics.trainingRequested.name}, in TRIBUTARY_NAMESPACE when set)`)
    .option('--dlq-topic <name>', `dead-letter topic the trainer sends failed runs to, its TRAINER_DLQ_TOPIC (default: ${topics.eventsDlq.name}, in TRIBUTARY_NAMESPACE when set)`)
    .action(
      runAction(async (options: TrainCommandOptions) => {
        const names = platformNames();
        const request = trainingRequestFromOptions(options, process.env['USER']?.trim() || 'tributary-cli');
        if (options.local) return trainLocally(request, names);
        const target = {
          topic: options.topic ?? names.topic(topics.trainingRequested).name,
          dlqTopic: options.dlqTopic ?? names.topic(topics.eventsDlq).name,
          timeout: options.timeout,
        };
        return requestTraining(request, target, names);
      }),
    );
}
