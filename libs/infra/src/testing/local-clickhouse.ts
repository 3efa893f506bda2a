import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseConnection, type ClickHouseConnectionOptions } from '@tributary/runtime';

/** `CLICKHOUSE_URL` (in a secure test run it carries the admin user), else the local server. */
export function localClickHouseUrl(): string {
  return process.env['CLICKHOUSE_URL']?.trim() || 'http://127.0.0.1:8123';
}

/** A client of {@link localClickHouseUrl}, opened as the services open theirs. */
export function localClickHouse(options: ClickHouseConnectionOptions = {}): ClickHouseClient {
  return createClickHouseConnection({ url: localClickHouseUrl() }, options);
}
