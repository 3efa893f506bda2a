import { describe, expect, it } from 'vitest';
import { Code, TributaryError, isRetryable } from './index.js';

describe('TributaryError', () => {
  it('is retryable by default for transient codes only', () => {
    expect(new TributaryError(Code.Unavailable, 'down').retryable).toBe(true);
    expect(new TributaryError(Code.InvalidArgument, 'bad').retryable).toBe(false);
  });

  it('lets the thrower state retryability explicitly', () => {
    expect(new TributaryError(Code.Internal, 'flaky disk', { retryable: true }).retryable).toBe(true);
  });

  it('from() keeps a TributaryError as it is and wraps anything else with its cause', () => {
    const original = new TributaryError(Code.NotFound, 'no model');
    expect(TributaryError.from(original)).toBe(original);
    const cause = new Error('boom');
    const wrapped = TributaryError.from(cause);
    expect(wrapped).toMatchObject({ code: Code.Unknown, message: 'boom', retryable: false });
    expect(wrapped.cause).toBe(cause);
    expect(TributaryError.from('text', Code.Internal)).toMatchObject({ code: Code.Internal, message: 'text' });
  });

  it('isRetryable() treats plain errors as not retryable', () => {
    expect(isRetryable(new Error('?'))).toBe(false);
    expect(isRetryable(new TributaryError(Code.DeadlineExceeded, 'slow'))).toBe(true);
  });
});
