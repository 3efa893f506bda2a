import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { TributaryError, isRetryable } from '@tributary/errors';
import { encodeFlightEvent, replayFlightEvents, type FlightEvent, type RawEventFormat, type ReplayFlightEventsOptions, type ReplayProgress } from '@tributary/flights';
import { createKafkaClient, createProducer, ensureTopics, topics, type TopicDefinition, type TypedProducer } from '@tributary/kafka';
import { retry } from '@tributary/resilience';
import { nonNegativeInteger, positiveInteger } from './arguments.js';
import { platformNames } from './platform-names.js';

/** Options of {@link publishFlights}: the slice, the pace, and where the records go. */
export interface PublishFlightsOptions extends Omit<ReplayFlightEventsOptions, 'send'> {
  readonly producer: TypedProducer;
  /** Default `events.raw`. */
  readonly topic?: TopicDefinition<Uint8Array>;
  /** Default `protobuf`. */
  readonly format?: RawEventFormat;
  /**
   * How long one batch is retried while the brokers are unreachable (a
   * retryable error) before the publish gives up, in ms. Default 120 000.
   */
  readonly retryForMs?: number;
  /** Called before each wait of a retry, e.g. to say so. */
  readonly onRetry?: (error: TributaryError, attempt: number, delayMs: number) => void;
}

/** Options of {@link sendFlightEvents}. */
export interface SendFlightEventsOptions {
  readonly producer: TypedProducer;
  readonly topic: TopicDefinition<Uint8Array>;
  /** Default protobuf. */
  readonly format?: RawEventFormat;
  /** How long to keep retrying a batch the brokers refuse with a retryable error, ms. Default 120 000. */
  readonly retryForMs?: number;
  /** Called before each wait of a retry, e.g. to say so. */
  readonly onRetry?: (error: TributaryError, attempt: number, delayMs: number) => void;
}

/**
 * Sends one batch of flight events as raw event records: key = flight key,
 * value = the `tributary.v1.Event` (protobuf or JSON), `ce_id` = event id,
 * `ce_type` = event type, `ce_time` = event time, `content-type` = the
 * format's. A batch the brokers cannot take (a broker restarting) is sent
 * again whole with jittered backoff (0.5 s doubling to 5 s) for up to
 * `retryForMs`.
 */
export async function sendFlightEvents(events: readonly FlightEvent[], options: SendFlightEventsOptions): Promise<void> {
  const { producer, topic, format = 'protobuf', retryForMs = 120_000, onRetry } = options;
  const records = events.map((event) => {
    const { value, contentType } = encodeFlightEvent(event, format);
    return { key: event.flightKey, value, id: event.eventId, type: event.type, time: new Date(event.eventTimeMs), contentType };
  });
  let firstFailureMs: number | undefined;
  await retry(() => producer.send(topic, records), {
    retries: Number.MAX_SAFE_INTEGER,
    baseDelayMs: 500,
    maxDelayMs: 5000,
    shouldRetry: (reason) => isRetryable(reason) && Date.now() - (firstFailureMs ??= Date.now()) < retryForMs,
    onRetry: (reason, attempt, delayMs) => onRetry?.(TributaryError.from(reason), attempt, delayMs),
  });
}

/**
 * Replays flight events into `events.raw` in event-time order, in batches of
 * {@link sendFlightEvents}; batches go one at a time, so the events
 * acknowledged when it gives up are exactly the first `progress.events` of
 * the slice (after `skipEvents`).
 */
export function publishFlights(options: PublishFlightsOptions): Promise<ReplayProgress> {
  const { producer, topic = topics.eventsRaw, format = 'protobuf', retryForMs = 120_000, onRetry, ...replay } = options;
  return replayFlightEvents({
    ...replay,
    send: (events) => sendFlightEvents(events, { producer, topic, format, retryForMs, ...(onRetry ? { onRetry } : {}) }),
  });
}

/**
 * The command that resumes a publish after its first `acknowledged` events:
 * the same arguments with `--skip <acknowledged>` (replacing an earlier one).
 */
export function resumeCommand(args: readonly string[], acknowledged: number): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--skip') i++;
    else if (!arg.startsWith('--skip=')) kept.push(arg);
  }
  const quoted = [...kept, '--skip', String(acknowledged)].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`));
  return ['tributary', ...quoted].join(' ');
}

/**
 * What a publish that gave up says: why, how far it got, and the command that
 * sends the rest without resending anything acknowledged.
 */
export function gaveUpMessage(options: { readonly acknowledged: number; readonly topic: string; readonly error: TributaryError; readonly args: readonly string[] }): string {
  const { acknowledged, topic, error, args } = options;
  return [
    `✗ gave up: ${error.message}`,
    `  ${acknowledged} events were acknowledged by ${topic}: the first ${acknowledged} of the slice, in order.`,
    `  To publish the rest without resending any of them: ${resumeCommand(args, acknowledged)}`,
    '  (Resending acknowledged events would do no harm either: ingestion drops event ids it has already written.)',
  ].join('\n');
}

/** First and last departure of the dataset: the span of the progress bar when no count is given. */
const DATASET_FROM_MS = Date.UTC(2001, 0, 1);
const DATASET_TO_MS = Date.UTC(2001, 6, 1, 0, 1);

interface PublishCommandOptions {
  readonly flights?: number;
  readonly from?: number;
  readonly to?: number;
  readonly rate?: number;
  readonly format: RawEventFormat;
  readonly batchSize: number;
  /** Default: `events.raw` in the namespace of TRIBUTARY_NAMESPACE. */
  readonly topic?: string;
  /** Events of the slice not sent again: what an earlier run got acknowledged. */
  readonly skip: number;
  /** Seconds one batch is retried while the brokers are unreachable. */
  readonly retryFor: number;
}

/** `2001-02-01` or `2001-02-01T06:30`: a naive local time, read as if UTC like the dataset's. */
function naiveTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(text)) throw new InvalidArgumentError('expected YYYY-MM-DD or YYYY-MM-DDTHH:MM');
  const ms = Date.parse(text.length === 10 ? `${text}T00:00Z` : `${text}Z`);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('not a valid date');
  return ms;
}

function rawFormat(text: string): RawEventFormat {
  if (text !== 'json' && text !== 'protobuf') throw new InvalidArgumentError('expected json or protobuf');
  return text;
}

/**
 * A progress bar over events when their number is known (`--flights`), else
 * over event time from the slice's start to its end (or the dataset's).
 */
function progressBar(options: PublishCommandOptions): { start(): void; update(progress: ReplayProgress): void; stop(): void } {
  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {events} events | {rate} events/s | event time {eventTime}', hideCursor: true },
    Presets.shades_classic,
  );
  const fromMs = options.from ?? DATASET_FROM_MS;
  const byCount = options.flights !== undefined;
  const total = byCount ? 2 * (options.flights ?? 0) : Math.max(1, Math.round(((options.to ?? DATASET_TO_MS) - fromMs) / 60_000));
  const payload = (progress?: ReplayProgress) => ({
    events: options.skip + (progress?.events ?? 0),
    rate: progress && progress.elapsedMs > 0 ? Math.round((progress.events * 1000) / progress.elapsedMs) : 0,
    eventTime: progress ? new Date(progress.eventTimeMs).toISOString().slice(0, 16).replace('T', ' ') : '-',
  });
  return {
    start: () => bar.start(total, 0, payload()),
    update: (progress) => {
      const value = byCount ? options.skip + progress.events : Math.round((progress.eventTimeMs - fromMs) / 60_000);
      bar.update(Math.min(total, Math.max(0, value)), payload(progress));
    },
    stop: () => bar.stop(),
  };
}

async function publish(options: PublishCommandOptions): Promise<number> {
  const names = platformNames();
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-publish') });
  const topic = options.topic === undefined ? names.topic(topics.eventsRaw) : { ...topics.eventsRaw, name: options.topic };
  await ensureTopics(kafka, [topic]);
  const producer = createProducer({ kafka, source: '/tributary/cli/publish' });
  const bar = progressBar(options);
  const interrupted = new AbortController();
  const stop = () => interrupted.abort();
  process.once('SIGINT', stop);
  bar.start();
  let acknowledged = 0;
  try {
    const done = await publishFlights({
      producer,
      topic,
      format: options.format,
      batchSize: options.batchSize,
      signal: interrupted.signal,
      skipEvents: options.skip,
      retryForMs: options.retryFor * 1000,
      onRetry: (error, attempt, delayMs) =>
        console.error(
          `\n⟳ ${error.message}; retry ${attempt + 1} in ${(delayMs / 1000).toFixed(1)} s (retrying up to ${options.retryFor} s; ${options.skip + acknowledged} events acknowledged so far)`,
        ),
      onProgress: (progress) => {
        acknowledged = progress.events;
        bar.update(progress);
      },
      ...(options.flights === undefined ? {} : { maxFlights: options.flights }),
      ...(options.from === undefined ? {} : { fromMs: options.from }),
      ...(options.to === undefined ? {} : { toMs: options.to }),
      ...(options.rate === undefined ? {} : { eventsPerSecond: options.rate }),
    });
    bar.stop();
    const seconds = done.elapsedMs / 1000;
    const verb = interrupted.signal.aborted ? 'interrupted after publishing' : 'published';
    console.log(`${verb} ${done.events} events to ${topic.name} in ${seconds.toFixed(1)} s (${Math.round(done.events / Math.max(seconds, 1e-3))} events/s)`);
    if (!interrupted.signal.aborted) return 0;
    console.log(`to publish the rest: ${resumeCommand(process.argv.slice(2), options.skip + done.events)}`);
    return 130;
  } catch (reason) {
    bar.stop();
    console.error(gaveUpMessage({ acknowledged: options.skip + acknowledged, topic: topic.name, error: TributaryError.from(reason), args: process.argv.slice(2) }));
    return 1;
  } finally {
    bar.stop();
    process.removeListener('SIGINT', stop);
    await producer.close();
  }
}

/** `tributary publish`: replay the flights dataset into `events.raw`. */
export function registerPublishCommand(program: Command): void {
  program
    .command('publish')
    .description('replay the flights dataset (2001, naive local times) into events.raw in event-time order; brokers from KAFKA_BROKERS')
    .option('--flights <count>', 'only the first <count> flights (2 events each)', positiveInteger)
    .option('--from <time>', 'first departure, YYYY-MM-DD[THH:MM]', naiveTime)
    .option('--to <time>', 'departures before this, YYYY-MM-DD[THH:MM]', naiveTime)
    .option('--rate <events/s>', 'target events per second (default: as fast as possible)', positiveInteger)
    .option('--format <format>', 'json or protobuf', rawFormat, 'protobuf')
    .option('--batch-size <count>', 'events per produce request', positiveInteger, 1000)
    .option('--topic <name>', `topic to publish to (default: ${topics.eventsRaw.name}, in TRIBUTARY_NAMESPACE when set)`)
    .option('--skip <count>', 'do not send the first <count> events of the slice again (what an earlier run that gave up says it got acknowledged)', nonNegativeInteger, 0)
    .option('--retry-for <seconds>', 'how long one batch is retried while the brokers are unreachable before giving up', positiveInteger, 120)
    .action(async (options: PublishCommandOptions) => {
      try {
        process.exitCode = await publish(options);
      } catch (reason) {
        console.error(`✗ ${TributaryError.from(reason).message}`);
        process.exitCode = 1;
      }
    });
}
