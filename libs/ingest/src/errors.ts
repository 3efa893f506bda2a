import { Code, TributaryError } from '@tributary/errors';
import type { Rejection, RejectReason } from './rejection.js';

/**
 * An event failed decoding or validation. Not retryable: the same bytes fail
 * the same way; they belong in the dead-letter topic with {@link reason}.
 */
export class EventRejectedError extends TributaryError {
  override name = 'EventRejectedError';
  readonly reason: RejectReason;
  readonly field: string | undefined;

  constructor(
    rejection: Rejection,
    /** The event's id when it could be read. */
    readonly eventId?: string,
  ) {
    super(Code.InvalidArgument, rejection.message, { retryable: false });
    this.reason = rejection.reason;
    this.field = rejection.field;
  }
}

/** Two schemas were registered for one event type. */
export class DuplicateEventSchemaError extends TributaryError {
  override name = 'DuplicateEventSchemaError';

  constructor(readonly type: string) {
    super(Code.AlreadyExists, `a schema for event type ${type} is already registered`, { retryable: false });
  }
}

/** The ClickHouse raw-event table could not be created, written or read. Retryable: the server may come back. */
export class RawEventStoreError extends TributaryError {
  override name = 'RawEventStoreError';

  constructor(
    readonly operation: 'create schema' | 'insert' | 'look up' | 'read',
    readonly table: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `ClickHouse ${operation} on ${table} failed: ${String((cause as Error)?.message ?? cause)}`, {
      cause,
      retryable: true,
    });
  }
}

/** Redis could not claim event ids or mark them written. Retryable: the server may come back. */
export class DeduplicationUnavailableError extends TributaryError {
  override name = 'DeduplicationUnavailableError';

  constructor(
    readonly operation: 'claim' | 'mark',
    cause: unknown,
  ) {
    super(Code.Unavailable, `Redis ${operation} of event ids failed: ${String((cause as Error)?.message ?? cause)}`, {
      cause,
      retryable: true,
    });
  }
}

/**
 * A Redis key prefix for the deduplication marks holds a brace: the key's
 * first braces are its cluster hash tag, which the marks' layout reserves for
 * its buckets. Not retryable: the configuration must change.
 */
export class InvalidKeyPrefixError extends TributaryError {
  override name = 'InvalidKeyPrefixError';

  constructor(readonly keyPrefix: string) {
    super(Code.InvalidArgument, `the deduplication key prefix ${JSON.stringify(keyPrefix)} must not contain { or }`, { retryable: false });
  }
}

/** A name given for a ClickHouse database or table is not a plain identifier. */
export class InvalidIdentifierError extends TributaryError {
  override name = 'InvalidIdentifierError';

  constructor(readonly identifier: string) {
    super(Code.InvalidArgument, `not a plain ClickHouse identifier: ${JSON.stringify(identifier)}`, { retryable: false });
  }
}
