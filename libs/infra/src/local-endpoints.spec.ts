import { describe, expect, it } from 'vitest';
import { localEndpoints } from './index.js';

describe('localEndpoints()', () => {
  it('points at the loopback default ports', () => {
    expect(localEndpoints({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      redisUrl: 'redis://127.0.0.1:6379',
      clickhouseUrl: 'http://127.0.0.1:8123',
    });
  });

  it('follows the TRIBUTARY_*_PORT variables', () => {
    const env = { TRIBUTARY_KAFKA_PORT: '19092', TRIBUTARY_REDIS_PORT: '16379', TRIBUTARY_CLICKHOUSE_HTTP_PORT: '18123' };
    expect(localEndpoints(env)).toEqual({
      kafkaBrokers: ['127.0.0.1:19092'],
      redisUrl: 'redis://127.0.0.1:16379',
      clickhouseUrl: 'http://127.0.0.1:18123',
    });
  });

  it('prefers KAFKA_BROKERS, REDIS_URL and CLICKHOUSE_URL when set', () => {
    const env = {
      TRIBUTARY_KAFKA_PORT: '19092',
      KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092,',
      REDIS_URL: 'redis://cache:6379/1',
      CLICKHOUSE_URL: 'https://ch.example:8443',
    };
    expect(localEndpoints(env)).toEqual({
      kafkaBrokers: ['kafka-0:9092', 'kafka-1:9092'],
      redisUrl: 'redis://cache:6379/1',
      clickhouseUrl: 'https://ch.example:8443',
    });
  });
});
