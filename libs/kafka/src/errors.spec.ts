import { Code, isRetryable } from '@tributary/errors';
import { describe, expect, it } from 'vitest';
import { KafkaDecodeError, KafkaUnavailableError, isTransientKafkaError } from './index.js';

describe('KafkaDecodeError', () => {
  it('is not retryable and names the record and schema', () => {
    const error = new KafkaDecodeError('events.validated', 2, '41', 'tributary.v1.Event', new Error('premature EOF'));
    expect(error).toMatchObject({ code: Code.InvalidArgument, retryable: false, topic: 'events.validated', partition: 2, offset: '41' });
    expect(error.message).toContain('premature EOF');
  });
});

describe('isTransientKafkaError()', () => {
  it('trusts kafkajs connection errors and its retriable flag', () => {
    const lost = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });
    const tooLarge = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false });
    const leader = Object.assign(new Error('no leader'), { name: 'KafkaJSProtocolError', retriable: true });
    expect([lost, tooLarge, leader, 'text'].map(isTransientKafkaError)).toEqual([true, false, true, false]);
  });

  it('sees a lost connection behind the non-retriable error kafkajs wraps it in when its own retries give up', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: false });
    const gaveUp = Object.assign(new Error(refused.message, { cause: refused }), { name: 'KafkaJSNonRetriableError', retriable: false });
    const invalid = Object.assign(new Error('Invalid topics array'), { name: 'KafkaJSNonRetriableError', retriable: false });
    expect([gaveUp, invalid].map(isTransientKafkaError)).toEqual([true, false]);
  });

  it('makes KafkaUnavailableError retryable', () => {
    expect(isRetryable(new KafkaUnavailableError('send', new Error('down')))).toBe(true);
  });
});
