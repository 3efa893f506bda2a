import { Code, TributaryError } from '@tributary/errors';
import { describe, expect, it } from 'vitest';
import { MalformedTensorError, toHttpError } from './index.js';

describe('toHttpError()', () => {
  it.each([
    [Code.InvalidArgument, 400],
    [Code.NotFound, 404],
    [Code.ResourceExhausted, 429],
    [Code.DeadlineExceeded, 504],
    [Code.Unavailable, 503],
    [Code.Unauthenticated, 401],
    [Code.Internal, 500],
  ])('answers code %s with HTTP %s and the message', (code, status) => {
    expect(toHttpError(new TributaryError(code, 'what happened'))).toMatchObject({ status, body: { error: 'what happened' } });
  });

  it('keeps the message that says what to fix', () => {
    expect(toHttpError(new MalformedTensorError('features', 'send FP32')).body.error).toBe('input tensor "features": send FP32');
  });

  it('hides anything that is not a TributaryError behind a generic 500', () => {
    expect(toHttpError(new Error('secret stack'))).toEqual({ status: 500, body: { error: 'internal error' }, retryable: false });
  });
});
