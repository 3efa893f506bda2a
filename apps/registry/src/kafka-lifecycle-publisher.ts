import type { ModelLifecycleEvent } from '@tributary/contracts';
import { topics, type TopicDefinition, type TypedProducer } from '@tributary/kafka';
import type { LifecyclePublisher } from '@tributary/model-registry';
import { lifecycleEventId, toLifecycleEventMessage } from './proto-mapping.js';

/** Options of {@link createKafkaLifecyclePublisher}. */
export interface KafkaLifecyclePublisherOptions {
  readonly producer: TypedProducer;
  /** Default the catalogue's `model.lifecycle`; tests pass a uniquely named copy. */
  readonly topic?: TopicDefinition<ModelLifecycleEvent>;
}

/**
 * Publishes registry changes to `model.lifecycle`, keyed by model name so a
 * model's events stay in order, with the change's stable id as `ce_id` and
 * its time as `ce_time`. The producer is idempotent and waits for all
 * in-sync replicas, so a resolved publish is durable.
 */
export function createKafkaLifecyclePublisher(options: KafkaLifecyclePublisherOptions): LifecyclePublisher {
  const { producer, topic = topics.modelLifecycle } = options;
  return {
    async publish(events) {
      await producer.send(
        topic,
        events.map((event) => ({
          key: event.change.modelName,
          value: toLifecycleEventMessage(event),
          id: lifecycleEventId(event.change),
          time: new Date(event.change.atMs),
        })),
      );
    },
  };
}
