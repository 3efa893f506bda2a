import type { ValueCodec } from './value-codec.js';

/** How Kafka disposes of old records: by age/size, by key (latest value wins), or both. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

/** One topic, defined once: its name, what its key means, how its values are encoded, and its broker settings. */
export interface TopicDefinition<T> {
  readonly name: string;
  /** What the record key holds, e.g. "entity id" (documentation for readers of the catalogue). */
  readonly keyDescription: string;
  readonly codec: ValueCodec<T>;
  /** CloudEvents `ce_type` of records written without a type of their own. */
  readonly eventType: string;
  readonly partitions: number;
  /** `retention.ms`; -1 keeps records forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: CleanupPolicy;
}

/** Options of {@link defineTopic}. */
export interface TopicOptions<T> {
  readonly name: string;
  readonly keyDescription: string;
  readonly codec: ValueCodec<T>;
  /** Default `tributary.<name>`, e.g. `tributary.events.validated`. */
  readonly eventType?: string;
  /** Default 3. */
  readonly partitions?: number;
  /** Default 7 days (604 800 000 ms). */
  readonly retentionMs?: number;
  /** Default `delete`. */
  readonly cleanupPolicy?: CleanupPolicy;
}

const sevenDaysMs = 7 * 24 * 60 * 60 * 1000;

/** A topic definition with the defaults filled in. */
export function defineTopic<T>(options: TopicOptions<T>): TopicDefinition<T> {
  return Object.freeze({
    name: options.name,
    keyDescription: options.keyDescription,
    codec: options.codec,
    eventType: options.eventType ?? `tributary.${options.name}`,
    partitions: options.partitions ?? 3,
    retentionMs: options.retentionMs ?? sevenDaysMs,
    cleanupPolicy: options.cleanupPolicy ?? 'delete',
  });
}
