import { describe, expect, it } from 'vitest';
import { headersToStrings, kafkaBrokersFromEnv } from './index.js';

describe('headersToStrings()', () => {
  it('decodes buffers and keeps the last value of a repeated header', () => {
    const headers = headersToStrings({ a: Buffer.from('1'), b: 'two', c: [Buffer.from('x'), Buffer.from('y')], d: undefined });
    expect(headers).toEqual({ a: '1', b: 'two', c: 'y' });
  });

  it('gives an empty object for a record without headers', () => {
    expect(headersToStrings(undefined)).toEqual({});
  });
});

describe('kafkaBrokersFromEnv()', () => {
  it('splits KAFKA_BROKERS and treats blank as unset', () => {
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: ' a:1, b:2 ,' })).toEqual(['a:1', 'b:2']);
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: '  ' })).toEqual(['127.0.0.1:9092']);
    expect(kafkaBrokersFromEnv({})).toEqual(['127.0.0.1:9092']);
  });
});
