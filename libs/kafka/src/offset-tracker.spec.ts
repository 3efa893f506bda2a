import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

function tracker(commitEveryRecords = 3, commitIntervalMs = 1000) {
  const clock = { nowMs: 0 };
  return { clock, offsets: new OffsetTracker('t', { commitEveryRecords, commitIntervalMs, now: () => clock.nowMs }) };
}

describe('OffsetTracker', () => {
  it('commits the offset after the last handled record of each partition', () => {
    const { offsets } = tracker();
    offsets.markHandled(0, '4', 1);
    offsets.markHandled(0, '9', 5);
    offsets.markHandled(2, '0', 1);
    expect(offsets.take()).toEqual([
      { topic: 't', partition: 0, offset: '10' },
      { topic: 't', partition: 2, offset: '1' },
    ]);
    expect(offsets.take()).toEqual([]);
  });

  it('is due after enough records or enough time, and never when nothing is pending', () => {
    const { clock, offsets } = tracker(3, 1000);
    expect(offsets.isDue()).toBe(false);
    offsets.markHandled(0, '0', 2);
    expect(offsets.isDue()).toBe(false);
    offsets.markHandled(0, '1', 1);
    expect(offsets.isDue()).toBe(true);
    offsets.take();
    offsets.markHandled(0, '2', 1);
    clock.nowMs = 999;
    expect(offsets.isDue()).toBe(false);
    clock.nowMs = 1000;
    expect(offsets.isDue()).toBe(true);
  });

  it('puts back a failed commit unless a later offset of the partition is pending', () => {
    const { offsets } = tracker();
    offsets.markHandled(0, '4', 1);
    offsets.markHandled(1, '7', 1);
    const failed = offsets.take();
    offsets.markHandled(1, '8', 1);
    offsets.restore(failed);
    expect(offsets.take()).toEqual([
      { topic: 't', partition: 1, offset: '9' },
      { topic: 't', partition: 0, offset: '5' },
    ]);
  });

  it('forgets partitions that a rebalance took away', () => {
    const { offsets } = tracker();
    offsets.markHandled(0, '4', 1);
    offsets.markHandled(1, '7', 1);
    offsets.retainAssigned({ t: [1], other: [0] });
    expect(offsets.take()).toEqual([{ topic: 't', partition: 1, offset: '8' }]);
  });
});
