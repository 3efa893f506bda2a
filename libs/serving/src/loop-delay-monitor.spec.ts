import { describe, expect, it } from 'vitest';
import { createLoopDelayMonitor } from './index.js';
import { blockEventLoop } from './testing/index.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('createLoopDelayMonitor()', () => {
  it('reports a loop that stays behind, and nothing once it caught up', async () => {
    const monitor = createLoopDelayMonitor({ intervalMs: 5 });
    try {
      await sleep(20);
      for (let i = 0; i < 4; i++) {
        blockEventLoop(100);
        await nextTurn();
      }
      const behind = monitor.delayMs;
      expect(behind).toBeGreaterThanOrEqual(50);
      await sleep(60);
      expect(monitor.delayMs).toBeLessThan(behind);
    } finally {
      monitor.close();
    }
  });

  it('does not take one long task for a backlog', async () => {
    const monitor = createLoopDelayMonitor({ intervalMs: 5 });
    try {
      await sleep(20);
      blockEventLoop(150);
      await sleep(1);
      // One late sample: the smaller of the last two is the one before the block.
      expect(monitor.delayMs).toBeLessThan(100);
    } finally {
      monitor.close();
    }
  });
});
