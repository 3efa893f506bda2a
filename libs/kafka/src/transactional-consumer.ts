import { createLogger } from '@tributary/observability';
import { backoffDelayMs } from '@tributary/resilience';
import type { Admin, EachBatchPayload, Producer } from 'kafkajs';
import { KafkaUnavailableError } from './errors.js';
import { createGroupMember, type ConsumerBaseOptions, type TypedConsumer } from './group-member.js';
import { kafkaMetrics } from './metrics.js';
import { toMessages, type OutgoingRecord } from './producer.js';
import type { ConsumedRecord, HandlerContext } from './record-processor.js';
import type { TopicDefinition } from './topic.js';

/** Turns consumed records into the records to write for them; throwing fails them (retried, dead-lettered or held as by `createConsumer`). */
export type TransformHandler<T, U> = (records: readonly ConsumedRecord<T>[], context: HandlerContext) => Promise<readonly OutgoingRecord<U>[]>;

/** Options of {@link createTransactionalConsumer}. */
export type TransactionalConsumerOptions<T, U> = Omit<ConsumerBaseOptions<T>, 'commitIntervalMs' | 'commitEveryRecords'> & {
  /** Where the handler's records go, in the same transaction as the consumed offsets. */
  readonly output: TopicDefinition<U>;
  /** CloudEvents `ce_source` of the written records, e.g. `/tributary/inference`. */
  readonly source: string;
  readonly handler: TransformHandler<T, U>;
  /** Most consumed records per handler call, and per transaction. Default 100. */
  readonly maxBatchSize?: number;
  /**
   * Transactional ids are `<prefix>.<topic>.<partition>`: one producer per input
   * partition, so whoever owns a partition next fences the one before (see the
   * README on exactly-once). Default the group id.
   */
  readonly transactionalIdPrefix?: string;
  /** The broker aborts a transaction left open this long (a crashed owner), in ms. Default 60 000. */
  readonly transactionTimeoutMs?: number;
};

/** A partition taken over by this member: see `claim` in {@link createTransactionalConsumer}. */
interface Claim {
  readonly producer: Producer;
  /** The group generation it was claimed in. */
  readonly generation: number;
  /** The group's committed offset once older owners were fenced; -1 when none. */
  readonly committed: bigint;
}

/** Transactional ids, one per input partition: `<prefix>.<topic>.<partition>`. */
export function transactionalIdOf(prefix: string, topic: string, partition: number): string {
  return `${prefix}.${topic}.${partition}`;
}

/** kafkajs reports a newer producer of the same transactional id by these protocol error types. */
const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

function isFenced(reason: unknown): boolean {
  for (let error = reason as { type?: unknown; cause?: unknown } | undefined; error; error = error.cause as typeof error) {
    if (typeof error.type === 'string' && FENCED.has(error.type)) return true;
  }
  return false;
}

/**
 * A consume-transform-produce member with exactly-once output: the records a
 * handler returns for a chunk of one partition and that chunk's next offset are
 * committed in one Kafka transaction (transactional producer, `sendOffsets`,
 * commit), so a reader with isolation level read_committed sees each chunk's
 * output once or not at all, whatever crashes. The group's offsets are only
 * ever committed by those transactions. Retries, dead letters (written outside
 * the transaction: a crash may repeat one, under the same `dlq_id`) and outage
 * holds are those of `createConsumer`.
 */
export function createTransactionalConsumer<T, U>(options: TransactionalConsumerOptions<T, U>): TypedConsumer {
  const { kafka, groupId, topic, output } = options;
  const logger = options.logger ?? createLogger({ name: 'kafka-transactional-consumer' });
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 5000;
  const prefix = options.transactionalIdPrefix ?? groupId;
  const maxBatchSize = options.maxBatchSize ?? 100;
  const sourceBytes = Buffer.from(options.source);
  const metrics = kafkaMetrics();
  const consumed = metrics.consumed.labels(topic.name, groupId);
  /**
   * Per input partition owned: its transactional producer and the committed offset read once it had fenced the
   * partition's previous owners, claimed at the first batch of each group generation (see `claim`).
   */
  const claims = new Map<number, Promise<Claim>>();
  const admin: Admin = kafka.admin();
  let generation = 0;
  /** Per partition: what the handler calls of the chunk in hand returned. */
  const outputs = new Map<number, OutgoingRecord<U>[]>();
  const member = createGroupMember(options, {
    kind: 'transactional consumer',
    logger,
    handler: async (records, context) => {
      const produced = await options.handler(records, context);
      const partition = records[0]?.partition;
      if (partition !== undefined) outputs.get(partition)?.push(...produced);
    },
    handleBatch,
    open: () => admin.connect(),
    async release() {
      await Promise.allSettled([...claims.keys()].map(dropClaim));
      await admin.disconnect();
    },
    // Partitions may have changed hands: each is claimed again before its next transaction.
    onGroupJoin: () => generation++,
    logFields: { output: output.name },
  });
  const { deadLetters, processRecords, heartbeatIntervalMs } = member;

  /**
   * Takes a partition over. An empty transaction makes the broker register this producer's transactional id
   * (kafkajs does it at the first transaction, not at connect): any older producer of the partition — a crashed
   * or stalled previous owner — is fenced, its open transaction aborted or its commit finished. Only then is
   * the group's committed offset read: records below it were committed by that owner after this member's
   * fetch position was set, and are skipped instead of written twice.
   */
  async function claim(partition: number): Promise<Claim> {
    const producer = kafka.producer({
      transactionalId: transactionalIdOf(prefix, topic.name, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs ?? 60_000,
      // The broker answers CONCURRENT_TRANSACTIONS to a transaction begun right after a commit until the commit's markers
      // are written (a few ms); kafkajs's default first retry after 300 ms made every chunk of a busy partition wait that long.
      retry: { initialRetryTime: 10, maxRetryTime: 1_000, retries: Number.MAX_SAFE_INTEGER },
    });
    try {
      await producer.connect();
      await (await producer.transaction()).abort();
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic.name] });
      const committed = offsets?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
      logger.info({ topic: topic.name, partition, groupId, generation, committed }, 'claimed the partition: its previous owners are fenced');
      return { producer, generation, committed: BigInt(committed) };
    } catch (reason) {
      await producer.disconnect().catch(() => undefined);
      throw new KafkaUnavailableError(`claim of ${topic.name}[${partition}]`, reason);
    }
  }

  /** The partition's claim of this generation, made on first use. */
  function claimOf(partition: number): Promise<Claim> {
    const current = generation;
    let claimed = claims.get(partition);
    if (!claimed) {
      claimed = claim(partition);
      claims.set(partition, claimed);
      claimed.catch(() => claims.delete(partition));
      return claimed;
    }
    return claimed.then((held) => {
      if (held.generation === current) return held;
      return dropClaim(partition).then(() => claimOf(partition));
    });
  }

  /** Drops a partition's claim (fenced, broken mid-transaction, or of an older generation); the next use claims it again. */
  async function dropClaim(partition: number): Promise<void> {
    const claimed = claims.get(partition);
    claims.delete(partition);
    await claimed?.then((held) => held.producer.disconnect()).catch(() => undefined);
  }

  /**
   * Writes the chunk's records and its next offset in one transaction, trying
   * again through outages. False when the chunk is no longer this member's to
   * write: the partition is gone (fenced by its next owner, or the consumer
   * closing), or the claim taken again after a failure finds part of the chunk
   * committed already — a commit whose answer was lost did go through, or a
   * newer owner wrote it. The caller then leaves the chunk unresolved, to be
   * fetched again and filtered by the committed offset.
   */
  async function commitChunk(partition: number, records: readonly OutgoingRecord<U>[], firstOffset: bigint, nextOffset: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
      try {
        const claimed = await claimOf(partition);
        if (claimed.committed > firstOffset) {
          logger.warn({ topic: topic.name, partition, groupId, committed: String(claimed.committed), firstOffset: String(firstOffset) }, 'the chunk was committed while its transaction was retried; not writing it again');
          return false;
        }
        transaction = await claimed.producer.transaction();
        if (records.length > 0) await transaction.send({ topic: output.name, messages: toMessages(output, records, sourceBytes), acks: -1 });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: topic.name, partitions: [{ partition, offset: nextOffset }] }] });
        await transaction.commit();
        metrics.produced.inc({ topic: output.name }, records.length);
        return true;
      } catch (reason) {
        await transaction?.abort().catch(() => undefined);
        await dropClaim(partition);
        if (isFenced(reason)) {
          logger.warn({ err: reason, topic: topic.name, partition, groupId }, 'fenced by a newer owner of the partition; its chunk is left to it');
          return false;
        }
        const delayMs = backoffDelayMs(attempt, { baseDelayMs: 100, maxDelayMs: retryMaxDelayMs });
        logger.warn({ err: new KafkaUnavailableError(`transaction on ${output.name}`, reason), partition, delayMs }, 'transaction failed; trying again');
        if (!(await member.wait(delayMs))) return false;
      }
    }
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { messages, partition } = batch;
    // kafkajs heartbeats only between handler calls: keep the member alive through long handlers and outages.
    const heartbeating = setInterval(() => void heartbeat().catch(() => undefined), heartbeatIntervalMs / 3);
    try {
      for (let start = 0; start < messages.length; start += maxBatchSize) {
        if (member.halted || !isRunning() || isStale()) return;
        const claimed = await claimOf(partition).catch((reason: unknown) => reason as Error);
        if (claimed instanceof Error) {
          // The batch is not resolved: the partition's records are fetched again after the wait.
          logger.warn({ err: claimed, partition, groupId }, 'cannot take the partition over yet; trying again');
          await member.wait(retryMaxDelayMs);
          return;
        }
        const { committed } = claimed;
        const chunk = messages.slice(start, start + maxBatchSize).filter((message) => BigInt(message.offset) >= committed);
        const last = chunk[chunk.length - 1];
        if (!last) {
          // A previous owner committed this stretch after our position was set: nothing of it is written again.
          const skipped = messages[Math.min(start + maxBatchSize, messages.length) - 1];
          if (skipped) resolveOffset(skipped.offset);
          continue;
        }
        outputs.set(partition, []);
        const done = await processRecords(partition, chunk);
        member.endStall(partition, done ? 'recovered' : 'let go');
        const nextOffset = (BigInt(last.offset) + 1n).toString();
        const firstOffset = BigInt((chunk[0] ?? last).offset);
        if (!done || !(await commitChunk(partition, outputs.get(partition) ?? [], firstOffset, nextOffset))) return;
        deadLetters.forgetBefore(topic.name, partition, nextOffset);
        resolveOffset(last.offset);
        consumed.inc(chunk.length);
        metrics.lag.set({ topic: topic.name, partition: String(partition), group: groupId }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(nextOffset))));
        await heartbeat();
      }
    } finally {
      clearInterval(heartbeating);
      outputs.delete(partition);
    }
  }

  return member;
}
