import { describe, expect, it } from 'vitest';
import { restDeadlineAtMs } from './request-deadline.js';

describe('restDeadlineAtMs()', () => {
  const near = (value: number, expected: number) => expect(Math.abs(value - expected)).toBeLessThan(50);

  it('uses the default when the request sets no budget', () => {
    near(restDeadlineAtMs(1_000, undefined), Date.now() + 1_000);
  });

  it("takes Triton's timeout parameter in microseconds", () => {
    near(restDeadlineAtMs(1_000, undefined, 250_000), Date.now() + 250);
  });

  it('takes the Request-Timeout-Ms header, the shorter budget when both are set', () => {
    near(restDeadlineAtMs(1_000, '300'), Date.now() + 300);
    near(restDeadlineAtMs(1_000, '300', 100_000), Date.now() + 100);
  });

  it('ignores a header that is not a whole number of ms', () => {
    near(restDeadlineAtMs(1_000, '-5'), Date.now() + 1_000);
    near(restDeadlineAtMs(1_000, ['1', '2']), Date.now() + 1_000);
  });
});
