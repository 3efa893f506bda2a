import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { Code, TributaryError } from '@tributary/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, startTracing, TracingAlreadyStartedError, tracingSettings, withSpan } from './index.js';
import { startTestTracing, type TestTracing } from './testing/index.js';

let tracing: TestTracing;

beforeEach(() => {
  tracing = startTestTracing('tracing-spec');
});

afterEach(async () => {
  await tracing.shutdown();
});

describe('startTracing()', () => {
  it('propagates trace context and baggage through W3C headers and back', async () => {
    const carrier: Record<string, string> = {};
    const sent = await withSpan('send', (span) => {
      const withBaggage = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
      propagation.inject(withBaggage, carrier);
      return span.spanContext();
    });
    expect(carrier['traceparent']).toBe(`00-${sent.traceId}-${sent.spanId}-01`);
    expect(carrier['baggage']).toBe('tenant=acme');

    const received = propagation.extract(context.active(), carrier);
    expect(trace.getSpanContext(received)).toMatchObject({ traceId: sent.traceId, spanId: sent.spanId, isRemote: true });
    expect(propagation.getBaggage(received)?.getEntry('tenant')?.value).toBe('acme');
    const child = await context.with(received, () => withSpan('receive', (span) => span.spanContext()));
    expect(child.traceId).toBe(sent.traceId);
    expect(tracing.spans().find((span) => span.name === 'receive')?.parentSpanContext?.spanId).toBe(sent.spanId);
  });

  it('tags spans with the service name', async () => {
    await withSpan('op', () => undefined);
    expect(tracing.spans()[0]?.resource.attributes['service.name']).toBe('tracing-spec');
  });

  it('returns the running tracing when called again', () => {
    expect(startTracing({ serviceName: 'other' }).provider).toBe(tracing.provider);
  });

  it('refuses test tracing while tracing runs', () => {
    expect(() => startTestTracing()).toThrow(TracingAlreadyStartedError);
  });

  it('keeps spans in-process when no OTLP endpoint is configured', () => {
    expect(tracing.otlpTracesUrl).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT and flushes on shutdown', async () => {
    await tracing.shutdown();
    const requests: { url: string | undefined; body: string }[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ url: request.url, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${port}/`;
    try {
      const exporting = startTracing({ serviceName: 'otlp-spec', serviceVersion: '1.2.3' });
      expect(exporting.otlpTracesUrl).toBe(`http://127.0.0.1:${port}/v1/traces`);
      const traceId = await withSpan('exported', (span) => span.spanContext().traceId);
      await exporting.shutdown();
      expect(requests.map((request) => request.url)).toEqual(['/v1/traces']);
      expect(requests[0]?.body).toContain('otlp-spec');
      expect(requests[0]?.body).toContain(traceId);
    } finally {
      delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it('records no span when nothing exports them, yet gives every trace its id and follows a sampled caller', async () => {
    await tracing.shutdown();
    const quiet = startTracing({ serviceName: 'unexported-spec' });
    try {
      const root = await withSpan('root', (span) => ({ recording: span.isRecording(), context: span.spanContext() }));
      expect(root.recording).toBe(false);
      expect(root.context.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(root.context.traceId).not.toBe('0'.repeat(32));
      const carrier: Record<string, string> = {};
      await withSpan('sends', () => propagation.inject(context.active(), carrier));
      expect(carrier['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);

      const caller = propagation.extract(context.active(), { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      const child = await context.with(caller, () => withSpan('served', (span) => ({ recording: span.isRecording(), context: span.spanContext() })));
      expect(child.recording).toBe(true);
      expect(child.context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await quiet.shutdown();
    }
  });

  it('tells a worker thread how to start the same tracing, and nothing once it is shut down', async () => {
    await tracing.shutdown();
    expect(tracingSettings()).toBeUndefined();
    const exporting = startTracing({ serviceName: 'settings-spec', serviceVersion: '1.2.3', otlpEndpoint: 'http://127.0.0.1:4318/' });
    try {
      expect(tracingSettings()).toEqual({ serviceName: 'settings-spec', serviceVersion: '1.2.3', otlpEndpoint: 'http://127.0.0.1:4318' });
    } finally {
      await exporting.shutdown();
    }
    expect(tracingSettings()).toBeUndefined();
  });

  it('shuts down idempotently and unregisters the globals', async () => {
    await Promise.all([tracing.shutdown(), tracing.shutdown()]);
    await withSpan('after', (span) => expect(span.isRecording()).toBe(false));
    const restarted = startTestTracing();
    await restarted.shutdown();
  });
});

describe('withSpan()', () => {
  it('makes the span active for async work and ends it', async () => {
    const seen = await withSpan(
      'outer',
      async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return trace.getActiveSpan()?.spanContext().spanId === span.spanContext().spanId;
      },
      { 'model.name': 'delays' },
    );
    expect(seen).toBe(true);
    const [span] = tracing.spans();
    expect(span).toMatchObject({ name: 'outer', attributes: { 'model.name': 'delays' } });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records the exception, sets ERROR status and rethrows', async () => {
    const failure = new TributaryError(Code.Unavailable, 'redis down');
    await expect(withSpan('failing', () => Promise.reject(failure))).rejects.toBe(failure);
    const [span] = tracing.spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'redis down' });
    expect(span?.attributes['error.type']).toBe('TributaryError');
    expect(span?.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.message': 'redis down' } });
  });
});

describe('createLogger() with tracing', () => {
  it('writes the trace id and span id of the real active span', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ name: 'traced', destination: stream });
    const ids = await withSpan('logged', (span) => {
      logger.info('inside a span');
      return span.spanContext();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, msg: 'inside a span' });
  });
});
