import { PassThrough } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('createLogger()', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  it('writes JSON lines with the service name and level label', async () => {
    const { stream, lines } = capture();
    createLogger({ name: 'unit', destination: stream }).info({ n: 1 }, 'hello');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'unit', level: 'info', msg: 'hello', n: 1 });
  });

  it('adds the active span trace id and span id', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'unit', destination: stream });
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('inside'));
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });
});
