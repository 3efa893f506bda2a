import { SpanKind, context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, withSpan } from '../index.js';
import { startOtlpReceiver, type OtlpReceiver } from './index.js';

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
});

describe('startOtlpReceiver()', () => {
  it('decodes what the OTLP/HTTP exporter of startTracing sends: service, ids, parent, kind, links and attributes', async () => {
    receiver = await startOtlpReceiver();
    const tracing = startTracing({ serviceName: 'receiver-spec', otlpEndpoint: receiver.endpoint });
    let ids: { trace: string; outer: string; inner: string; linked: string } | undefined;
    try {
      const linked = await withSpan('linked', (span) => span.spanContext());
      await withSpan('outer', async (outer) => {
        const inner = trace.getTracer('spec').startSpan('inner', { kind: SpanKind.PRODUCER, links: [{ context: linked }], attributes: { count: 3 } }, context.active());
        inner.end();
        ids = { trace: outer.spanContext().traceId, outer: outer.spanContext().spanId, inner: inner.spanContext().spanId, linked: linked.spanId };
      });
    } finally {
      await tracing.shutdown();
    }

    const spans = await receiver.waitFor('three spans', (seen) => seen.length === 3);
    const inner = spans.find((span) => span.name === 'inner');
    expect(inner).toMatchObject({
      serviceName: 'receiver-spec',
      scopeName: 'spec',
      kind: 'producer',
      traceId: ids?.trace,
      spanId: ids?.inner,
      parentSpanId: ids?.outer,
      attributes: { count: 3 },
    });
    expect(inner?.links.map((link) => link.spanId)).toEqual([ids?.linked]);
    expect(spans.find((span) => span.name === 'outer')?.parentSpanId).toBeUndefined();
  });

  it('refuses a body that is not an OTLP trace request, and protobuf', async () => {
    receiver = await startOtlpReceiver();
    const post = (body: string, type: string) => fetch(`${receiver?.endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
    const bad = await post(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '0011223344556677' }] }] }] }), 'application/json');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('span.traceId is not 32 hex digits');
    expect((await post('', 'application/x-protobuf')).status).toBe(415);
    expect(receiver.spans()).toEqual([]);
  });
});
