import { fromBinary } from '@bufbuild/protobuf';
import {
  DriftReportSchema,
  ModelLifecycleEventSchema,
  TrainingRequestSchema,
  type DriftReport,
  type ModelLifecycleEvent,
  type TrainingRequest,
} from '@tributary/contracts';
import { localEndpoints } from '@tributary/infra';
import { createKafkaClient, ensureTopics, topics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import type { PlatformNames } from './platform-names.js';

/** A step of the loop, as the platform's topics tell it. */
export type LoopEvent =
  | { readonly kind: 'drift-detected'; readonly report: DriftReport }
  | { readonly kind: 'training-requested'; readonly request: TrainingRequest }
  | { readonly kind: 'lifecycle'; readonly event: ModelLifecycleEvent }
  | { readonly kind: 'training-failed'; readonly requestId: string; readonly error: string };

/** Options of {@link watchLoop}. */
export interface WatchLoopOptions {
  readonly names: PlatformNames;
  readonly modelName: string;
  /** Told of each step as it is read. */
  readonly onEvent: (event: LoopEvent) => void;
}

/** A running watch; `close()` is idempotent. */
export interface LoopWatch {
  close(): Promise<void>;
}

/**
 * Follows the loop from the topics of the namespace: `drift.detected` (the
 * monitor's alarms), `training.requested` (the demo's and the monitor's
 * requests), `model.lifecycle` (versions registered, aliases moved) and the
 * dead-letter topic (a training run that failed). Each is read from its end
 * as it was when the watch began, so only this run's steps are told, in the
 * order each topic holds them.
 */
export async function watchLoop(options: WatchLoopOptions): Promise<LoopWatch> {
  const { names, modelName, onEvent } = options;
  const logger = createLogger({ name: 'cli', level: 'warn' });
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-demo-watch'), brokers: localEndpoints().kafkaBrokers, logger });
  const followed = {
    drift: names.topic(topics.driftDetected).name,
    requests: names.topic(topics.trainingRequested).name,
    lifecycle: names.topic(topics.modelLifecycle).name,
    dlq: names.topic(topics.eventsDlq).name,
  };
  await ensureTopics(kafka, [names.topic(topics.driftDetected), names.topic(topics.trainingRequested), names.topic(topics.modelLifecycle), names.topic(topics.eventsDlq)]);
  const admin = kafka.admin();
  await admin.connect();
  let starts: { topic: string; partition: number; offset: string }[];
  try {
    const ends = await Promise.all(Object.values(followed).map(async (topic) => (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ topic, partition, offset: high }))));
    starts = ends.flat();
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: names.kafkaId(`tributary-demo-watch-${Date.now().toString(36)}`), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: Object.values(followed) });
  void consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value = message.value;
      if (topic === followed.dlq) {
        // Only the trainer's dead letters: a failed run names its stage in dlq_error.
        const error = message.headers?.['dlq_error']?.toString() ?? '';
        if (!error.startsWith('training failed')) return;
        onEvent({ kind: 'training-failed', requestId: message.headers?.['dlq_source_ce_id']?.toString() ?? '', error });
      } else if (value) {
        if (topic === followed.drift) {
          const report = fromBinary(DriftReportSchema, value);
          if (report.modelName === modelName) onEvent({ kind: 'drift-detected', report });
        } else if (topic === followed.requests) {
          const request = fromBinary(TrainingRequestSchema, value);
          if (request.modelName === modelName) onEvent({ kind: 'training-requested', request });
        } else {
          const event = fromBinary(ModelLifecycleEventSchema, value);
          if (event.modelName === modelName) onEvent({ kind: 'lifecycle', event });
        }
      }
    },
  });
  for (const start of starts) consumer.seek(start);
  let closing: Promise<void> | undefined;
  return {
    close: () => (closing ??= consumer.disconnect()),
  };
}
