import type { Metadata } from '@grpc/grpc-js';
import { ROOT_CONTEXT, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((value): value is string => typeof value === 'string');
    return values.length > 1 ? values : values[0];
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/** Writes the trace context of `context` (W3C `traceparent`, …) into outgoing metadata. */
export function injectTraceContext(context: Context, metadata: Metadata): void {
  propagation.inject(context, metadata, metadataSetter);
}

/** The remote trace context carried by incoming metadata, as a context to start the server span in. */
export function extractTraceContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}
