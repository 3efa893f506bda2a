import { Metadata, status } from '@grpc/grpc-js';
import { Code, TributaryError } from '@tributary/errors';
import { describe, expect, it } from 'vitest';
import { RETRYABLE_TRAILER, fromGrpcStatus, toGrpcStatus } from './index.js';

describe('toGrpcStatus()', () => {
  it('keeps the code and message of a TributaryError and states its retryability', () => {
    const result = toGrpcStatus(new TributaryError(Code.FailedPrecondition, 'version 3 is not approved'));
    expect(result).toMatchObject({ code: status.FAILED_PRECONDITION, details: 'version 3 is not approved' });
    expect(result.metadata.get(RETRYABLE_TRAILER)).toEqual(['false']);
  });

  it('hides anything else behind INTERNAL', () => {
    expect(toGrpcStatus(new RangeError('index 7 at secret.ts:3'))).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
    expect(toGrpcStatus('thrown string')).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
  });
});

describe('fromGrpcStatus()', () => {
  it('turns a status into a RemoteCallError with the same code', () => {
    const error = fromGrpcStatus({ code: status.NOT_FOUND, details: 'no model', metadata: new Metadata() }, '/s/M');
    expect(error).toMatchObject({ name: 'RemoteCallError', code: Code.NotFound, message: 'no model', method: '/s/M', retryable: false });
  });

  it('follows the retryability the server stated over the default of the code', () => {
    const metadata = new Metadata();
    metadata.set(RETRYABLE_TRAILER, 'false');
    expect(fromGrpcStatus({ code: status.UNAVAILABLE, details: 'down', metadata }, '/s/M').retryable).toBe(false);
    expect(fromGrpcStatus({ code: status.UNAVAILABLE, details: 'down' }, '/s/M').retryable).toBe(true);
  });

  it('round-trips every code through the server and client mapping', () => {
    for (const code of Object.values(Code).filter((value): value is Code => typeof value === 'number')) {
      const sent = toGrpcStatus(new TributaryError(code, 'x'));
      expect(fromGrpcStatus(sent, '/s/M').code).toBe(code);
    }
  });
});
