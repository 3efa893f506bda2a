import type { Event } from '@tributary/contracts';
import { FeatureEventRejectedError, type FeatureRecord, type RejectedRecord } from '@tributary/features';
import { DeadLetterHeader, type ConsumedRecord, type HandlerContext, type RecordDeadLetter } from '@tributary/kafka';
import { featureEventOf } from './feature-events.js';

/** The engine's name of a topic partition, e.g. `events.validated/3`: its offsets are checkpointed under it. */
export function sourceOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Turns consumed records into engine records and sends the ones the engine refuses to the dead-letter topic. */
export interface SideOutput {
  /** The engine records of a handler call's batch, each remembered with the Kafka record it came from and the call's context. */
  toFeatureRecords(records: readonly ConsumedRecord<Event>[], context: HandlerContext): FeatureRecord[];
  /** Dead-letters refused events through the consumer that handed them over; engine records of no handler call are skipped. */
  publish(rejected: readonly RejectedRecord[]): Promise<void>;
}

/**
 * The side output of the feature pipeline: events too late for their window
 * or missing a field go to `events.dlq` through the consumer's own
 * `context.deadLetter`, so they are the dead letters every consumer writes —
 * the original key, value and headers, the error, the source position and a
 * `dlq_id` stable per source offset (a batch retried does not write them
 * again) — with `dlq_reason` `features.too_late` or `features.invalid`.
 * Engine records are tied to their Kafka records by identity.
 */
export function createSideOutput(): SideOutput {
  const origins = new WeakMap<FeatureRecord, { readonly record: ConsumedRecord<Event>; readonly context: HandlerContext }>();
  return {
    toFeatureRecords(records, context) {
      const first = records[0];
      // A batch is one partition's: its source name is made once.
      const source = first ? sourceOf(first.topic, first.partition) : '';
      return records.map((record) => {
        const featureRecord: FeatureRecord = {
          source: record.partition === first?.partition && record.topic === first.topic ? source : sourceOf(record.topic, record.partition),
          offset: BigInt(record.offset),
          event: featureEventOf(record.value),
        };
        origins.set(featureRecord, { record, context });
        return featureRecord;
      });
    },
    async publish(rejected) {
      const byCall = new Map<HandlerContext, RecordDeadLetter<Event>[]>();
      for (const { record, reason, detail } of rejected) {
        const origin = origins.get(record);
        if (!origin) continue;
        let letters = byCall.get(origin.context);
        if (!letters) byCall.set(origin.context, (letters = []));
        letters.push({ record: origin.record, error: new FeatureEventRejectedError(reason, detail), headers: { [DeadLetterHeader.reason]: `features.${reason}` } });
      }
      for (const [context, letters] of byCall) await context.deadLetter(letters);
    },
  };
}
