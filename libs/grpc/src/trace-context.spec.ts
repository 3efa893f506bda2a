import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InferenceService } from '@tributary/contracts';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcChannel, createGrpcClient, createGrpcServer, type GrpcChannel, type GrpcServer } from './index.js';

describe('trace context across a call', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: GrpcServer;
  let channel: GrpcChannel;
  let seenInHandler: { traceparent: string | undefined; activeSpanId: string | undefined } | undefined;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    server = createGrpcServer({ address: '127.0.0.1:0', logger: createLogger({ name: 'trace-test', level: 'silent' }) });
    server.register(InferenceService, {
      predict: async (_request, handlerContext) => {
        await Promise.resolve();
        seenInHandler = {
          traceparent: handlerContext.requestHeader('traceparent'),
          activeSpanId: trace.getActiveSpan()?.spanContext().spanId,
        };
        return {};
      },
      predictBatch: () => ({}),
    });
    channel = createGrpcChannel({ address: `127.0.0.1:${await server.start()}` });
  });

  afterAll(async () => {
    channel.close();
    await server.shutdown();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('continues the caller trace in the server span, through a client span', async () => {
    const client = createGrpcClient(InferenceService, channel);
    const caller = trace.getTracer('test').startSpan('caller');
    await context.with(trace.setSpan(context.active(), caller), () => client.predict({ modelName: 'm' }));
    caller.end();

    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
    const { traceId, spanId: callerSpanId } = caller.spanContext();
    expect(clientSpan?.name).toBe('tributary.v1.InferenceService/Predict');
    expect(clientSpan?.spanContext().traceId).toBe(traceId);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(serverSpan?.spanContext().traceId).toBe(traceId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'Predict', 'rpc.grpc.status_code': 0 });
    expect(seenInHandler?.traceparent).toBe(`00-${traceId}-${clientSpan?.spanContext().spanId}-01`);
    expect(seenInHandler?.activeSpanId).toBe(serverSpan?.spanContext().spanId);
  });
});
