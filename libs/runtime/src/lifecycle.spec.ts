import { createLogger } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { createLifecycle, NotReadyError } from './index.js';

const quietLogger = createLogger({ name: 'lifecycle-spec', level: 'silent' });

function recordingLifecycle(shutdownTimeoutMs = 1_000) {
  const exits: number[] = [];
  const lifecycle = createLifecycle({ logger: quietLogger, shutdownTimeoutMs, signals: [], exit: (code) => exits.push(code) });
  return { lifecycle, exits };
}

describe('createLifecycle()', () => {
  it('closes resources in reverse order of registration, then exits 0', async () => {
    const { lifecycle, exits } = recordingLifecycle();
    const closed: string[] = [];
    for (const name of ['producer', 'consumer', 'grpc server']) lifecycle.register(name, async () => void closed.push(name));
    await lifecycle.shutdown();
    expect(closed).toEqual(['grpc server', 'consumer', 'producer']);
    expect(exits).toEqual([0]);
  });

  it('marks the service not ready before closing anything', async () => {
    const { lifecycle } = recordingLifecycle();
    expect(lifecycle.ready).toBe(false);
    expect(() => lifecycle.readinessCheck(new AbortController().signal)).toThrow(new NotReadyError('starting'));
    lifecycle.markReady();
    expect(lifecycle.ready).toBe(true);
    expect(lifecycle.readinessCheck(new AbortController().signal)).toBeUndefined();
    let readyWhileClosing: boolean | undefined;
    lifecycle.register('server', () => void (readyWhileClosing = lifecycle.ready));
    await lifecycle.shutdown();
    expect(readyWhileClosing).toBe(false);
    expect(() => lifecycle.readinessCheck(new AbortController().signal)).toThrow(NotReadyError);
  });

  it('logs a failing or slow close, goes on with the rest and exits 1', async () => {
    const { lifecycle, exits } = recordingLifecycle(50);
    const closed: string[] = [];
    lifecycle.register('first', () => void closed.push('first'));
    lifecycle.register('stuck', () => new Promise(() => undefined));
    lifecycle.register('broken', () => {
      throw new Error('nope');
    });
    const startedAt = Date.now();
    await lifecycle.shutdown();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(closed).toEqual(['first']);
    expect(exits).toEqual([1]);
  });

  it('gives each resource its own time budget', async () => {
    const { lifecycle, exits } = recordingLifecycle(20);
    lifecycle.register('slow but allowed', () => new Promise<void>((resolve) => setTimeout(resolve, 80)), { timeoutMs: 500 });
    await lifecycle.shutdown();
    expect(exits).toEqual([0]);
  });

  it('shuts down once however often it is asked', async () => {
    const { lifecycle, exits } = recordingLifecycle();
    let closes = 0;
    lifecycle.register('resource', () => void closes++);
    const first = lifecycle.shutdown('first');
    expect(lifecycle.shutdown('second')).toBe(first);
    await first;
    await lifecycle.shutdown();
    expect(closes).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('closes a resource registered during shutdown at once', async () => {
    const { lifecycle } = recordingLifecycle();
    const closed: string[] = [];
    lifecycle.register('slow', () => new Promise<void>((resolve) => setTimeout(() => resolve(void closed.push('slow')), 50)));
    const stopping = lifecycle.shutdown();
    lifecycle.register('late', () => void closed.push('late'));
    await stopping;
    expect(closed).toEqual(['late', 'slow']);
  });

  it('fail() shuts down with exit code 1', async () => {
    const { lifecycle, exits } = recordingLifecycle();
    await lifecycle.fail(new Error('kafka unreachable'));
    expect(exits).toEqual([1]);
  });
});
