import { ClickHouseLogLevel } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { clickHouseClientConfig } from './clickhouse-connection.js';

describe('clickHouseClientConfig()', () => {
  it('passes the URL alone, leaving the rest to the client, when nothing else is given', () => {
    expect(clickHouseClientConfig({ url: 'http://127.0.0.1:8123' })).toEqual({ url: 'http://127.0.0.1:8123' });
    expect(clickHouseClientConfig({ url: 'http://127.0.0.1:8123', user: undefined, password: undefined })).toEqual({ url: 'http://127.0.0.1:8123' });
  });

  it('passes the user and password of the connection', () => {
    expect(clickHouseClientConfig({ url: 'http://ch:8123', user: 'trainer', password: 's3cret' })).toEqual({ url: 'http://ch:8123', username: 'trainer', password: 's3cret' });
    expect(clickHouseClientConfig({ url: 'http://ch:8123', user: 'default' })).toEqual({ url: 'http://ch:8123', username: 'default' });
  });

  it('maps each option to its client setting', () => {
    expect(clickHouseClientConfig({ url: 'http://ch:8123' }, { database: 'default', requestTimeoutMs: 600_000, progressHeaders: true, quiet: true })).toEqual({
      url: 'http://ch:8123',
      database: 'default',
      request_timeout: 600_000,
      clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
      log: { level: ClickHouseLogLevel.OFF },
    });
    expect(clickHouseClientConfig({ url: 'http://ch:8123' }, { progressHeaders: false, quiet: false })).toEqual({ url: 'http://ch:8123' });
  });
});
