import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, propagation, trace, type Context, type Link, type Span, type TextMapGetter } from '@opentelemetry/api';
import type { OutgoingRecord } from './producer.js';
import type { ConsumedRecord } from './record-processor.js';
import type { TopicDefinition } from './topic.js';

const tracer = trace.getTracer('@tributary/kafka');

const recordHeaderGetter: TextMapGetter<ConsumedRecord<unknown>> = {
  keys: (record) => Object.keys(record.headers),
  get: (record, key) => record.header(key),
};

/**
 * The trace context a consumed record carries (its producer's span, from the
 * W3C `traceparent` header), or the root context when it carries none. A batch
 * handler passes it as {@link OutgoingRecord.traceContext} of what it writes
 * for that record, so each record's trace goes on through the batch.
 */
export function recordTraceContext(record: ConsumedRecord<unknown>): Context {
  return propagation.extract(ROOT_CONTEXT, record, recordHeaderGetter);
}

/** The `create` spans of one send: see {@link startCreateSpans}. */
export interface CreateSpans<T> {
  /** The records, those with their own context now carrying their create span's instead. */
  readonly records: readonly OutgoingRecord<T>[];
  /** Links from the send span to each create span. */
  readonly links: readonly Link[];
  /** Ends every create span, with the send's error if it failed. */
  end(error?: Error): void;
}

/**
 * One `create <topic>` producer span per record that brings its own trace
 * context (the OpenTelemetry messaging conventions' creation context for a
 * batch): a child of that context, so the record's trace goes on in this
 * service, and what the record carries on the wire. Call it inside the send
 * span. Records without a context of their own, or whose trace is the send
 * span's already (a batch of one, handled in its own trace), carry the send
 * span's context as before and cost nothing here; a record of an unsampled
 * trace carries its own context without a span. A create span costs a few µs
 * a record: `OTEL_TRACES_SAMPLER` (e.g. a trace id ratio) bounds it.
 */
export function startCreateSpans<T>(topic: TopicDefinition<T>, records: readonly OutgoingRecord<T>[]): CreateSpans<T> {
  const spans: Span[] = [];
  const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'create', 'messaging.destination.name': topic.name };
  const sendTraceId = trace.getActiveSpan()?.spanContext().traceId;
  let changed = false;
  const traced = records.map((record) => {
    if (record.traceContext === undefined) return record;
    changed = true;
    const own = trace.getSpanContext(record.traceContext);
    if (!own || own.traceId === sendTraceId) return { ...record, traceContext: undefined };
    // A trace the sampler left out records nothing: the record carries its context as is, at the cost of one inject.
    if ((own.traceFlags & TraceFlags.SAMPLED) === 0) return record;
    const span = tracer.startSpan(`create ${topic.name}`, { kind: SpanKind.PRODUCER, attributes }, record.traceContext);
    spans.push(span);
    return { ...record, traceContext: trace.setSpan(record.traceContext, span) };
  });
  return {
    records: changed ? traced : records,
    links: spans.map((span) => ({ context: span.spanContext() })),
    end(error) {
      for (const span of spans) {
        if (error) {
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        }
        span.end();
      }
    },
  };
}
