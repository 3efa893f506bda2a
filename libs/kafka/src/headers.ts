import type { TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/**
 * Headers of the CloudEvents Kafka protocol binding (binary content mode):
 * the event's attributes travel as `ce_*` headers, the value is the data.
 */
export const CloudEventHeader = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  contentType: 'content-type',
} as const;

/** Headers a consumer adds when it moves a failed record to the dead-letter topic. */
export const DeadLetterHeader = {
  /** The dead letter's stable identity, also its `ce_id`: `<group>/<topic>/<partition>/<offset>` of its source record. */
  id: 'dlq_id',
  /** The source record's own `ce_id`, which the dead letter's identity replaces. */
  sourceCeId: 'dlq_source_ce_id',
  /** Set when the record was too large for the dead-letter topic: what was dropped and why. */
  valueOmitted: 'dlq_value_omitted',
  error: 'dlq_error',
  errorCode: 'dlq_error_code',
  sourceTopic: 'dlq_source_topic',
  sourcePartition: 'dlq_source_partition',
  sourceOffset: 'dlq_source_offset',
  attempts: 'dlq_attempts',
  consumerGroup: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
  /** Why a consumer refused the record, machine-readable (e.g. `schema.out_of_range`, `features.too_late`); absent for a record that failed. */
  reason: 'dlq_reason',
} as const;

/** The CloudEvents spec version written in `ce_specversion`. */
export const cloudEventsSpecVersion = '1.0';

/**
 * Record headers as UTF-8 strings. A header sent more than once keeps its last
 * value, as Kafka clients' "last header" lookups do.
 */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = value.toString();
  }
  return result;
}

/**
 * Reads trace context straight from a record's raw headers, converting only
 * the headers the propagator asks for.
 */
export const kafkaHeaderGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (headers) => (headers ? Object.keys(headers) : []),
  get(headers, key) {
    const value = headers?.[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : value.toString();
  },
};
