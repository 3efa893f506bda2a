import type { Logger } from '@tributary/observability';
import { retry } from '@tributary/resilience';
import type { LifecyclePublisher } from './lifecycle-publisher.js';
import type { LifecycleEvent, ModelVersion } from './model-version.js';
import type { PendingChange } from './redis-metadata-store.js';
import { registryMetrics } from './registry-metrics.js';

/** What the relay needs of the metadata store: the outbox, and versions to attach to events. */
export interface Outbox {
  readOutbox(limit: number): Promise<PendingChange[]>;
  acknowledgeOutbox(outboxId: string): Promise<void>;
  getVersion(modelName: string, version: number): Promise<ModelVersion>;
}

/** Options of {@link createLifecycleRelay}. */
export interface LifecycleRelayOptions {
  readonly outbox: Outbox;
  readonly publisher: LifecyclePublisher;
  readonly logger: Logger;
  /** How often to look for changes still unpublished (after a failed publish, or left by a crashed replica). Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Changes per publish call. Default 100. */
  readonly batchSize?: number;
}

/** Moves changes from the outbox to the publisher, in order, at least once. */
export interface LifecycleRelay {
  /** Publishes soon; failures are logged and retried by the poll. */
  notify(): void;
  /** Publishes everything pending now; rejects if the publisher fails. */
  flush(): Promise<void>;
  /** Starts polling; safe to call twice. */
  start(): void;
  /** Stops polling for good and publishes what is pending; safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Relays the outbox that every registry write appends to in the same Lua
 * call as the change itself: a change is never committed without its event,
 * and an event is acknowledged only after the publisher took it, so a crash
 * or a broker outage delays events but never loses them.
 */
export function createLifecycleRelay(options: LifecycleRelayOptions): LifecycleRelay {
  const { outbox, publisher, logger, pollIntervalMs = 1000, batchSize = 100 } = options;
  const metrics = registryMetrics();
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  async function drain(): Promise<void> {
    for (;;) {
      const pending = await outbox.readOutbox(batchSize);
      const last = pending.at(-1);
      if (!last) return;
      const events = await Promise.all(pending.map(({ change }) => withVersion(change)));
      try {
        await retry(() => publisher.publish(events), { retries: 2 });
      } catch (reason) {
        metrics.publishFailures.inc();
        throw reason;
      }
      metrics.eventsPublished.inc(pending.length);
      await outbox.acknowledgeOutbox(last.outboxId);
    }
  }

  async function withVersion(change: LifecycleEvent['change']): Promise<LifecycleEvent> {
    if (change.version === undefined) return { change };
    return { change, modelVersion: await outbox.getVersion(change.modelName, change.version) };
  }

  // One drain at a time, so events leave in order; callers arriving while one
  // is queued share it, since it will see their changes too.
  function flush(): Promise<void> {
    if (queued) return queued;
    const run = tail
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return drain();
      });
    queued = run;
    tail = run;
    return run;
  }

  function notify(): void {
    flush().catch((reason: unknown) => logger.warn({ err: reason }, 'lifecycle events not published yet; will retry'));
  }

  return {
    notify,
    flush,
    start() {
      if (timer || stopped) return;
      timer = setInterval(notify, pollIntervalMs);
      timer.unref();
    },
    shutdown() {
      stopped ??= (async () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        await flush().catch((reason: unknown) =>
          logger.error({ err: reason }, 'lifecycle events left unpublished at shutdown; the next start publishes them'),
        );
      })();
      return stopped;
    },
  };
}
