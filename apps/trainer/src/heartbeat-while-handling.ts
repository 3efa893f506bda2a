/**
 * kafkajs sends a consumer's heartbeats only between handler calls, so a
 * handler that runs longer than the session timeout — a training run takes
 * minutes — drops out of the group: a rebalance, a failed commit, and the
 * request delivered again. `@tributary/kafka`'s consumer does not yet
 * heartbeat while a handler runs; until it does, the trainer hands it a
 * client whose consumers do. The event loop is free during a run (the models
 * train in a worker thread), so the heartbeats go out on time.
 */
import type { ConsumerBaseOptions } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';

type Kafka = ConsumerBaseOptions<unknown>['kafka'];
type Consumer = ReturnType<Kafka['consumer']>;
type EachBatch = NonNullable<NonNullable<Parameters<Consumer['run']>[0]>['eachBatch']>;

/** How often a busy consumer asks to heartbeat; kafkajs sends one at most every heartbeat interval (3 s). */
const HEARTBEAT_CHECK_MS = 1000;

/** `kafka`, except that its consumers keep heartbeating while a batch is being handled, however long that takes. */
export function heartbeatWhileHandling(kafka: Kafka, logger: Logger): Kafka {
  return new Proxy(kafka, {
    get(target, property, receiver) {
      if (property !== 'consumer') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<Kafka['consumer']>): Consumer => {
        const consumer = target.consumer(...args);
        const run = consumer.run.bind(consumer);
        consumer.run = (config) => run(config?.eachBatch ? { ...config, eachBatch: heartbeating(config.eachBatch, logger) } : config);
        return consumer;
      };
    },
  });
}

function heartbeating(eachBatch: EachBatch, logger: Logger): EachBatch {
  return async (payload) => {
    let warned = false;
    const timer = setInterval(() => {
      payload.heartbeat().catch((reason: unknown) => {
        // A rebalance starting shows here; the consumer meets it itself once the handler returns. Said once, not every second.
        if (!warned) logger.warn({ err: reason }, 'heartbeat while handling a record failed');
        warned = true;
      });
    }, HEARTBEAT_CHECK_MS);
    try {
      await eachBatch(payload);
    } finally {
      clearInterval(timer);
    }
  };
}
