import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';

/**
 * Where ClickHouse is and as whom, as `clickhouseEnv` of `@tributary/config`
 * reads it: a service passes its `config.clickhouse` as it is.
 */
export interface ClickHouseConnection {
  /** HTTP interface, e.g. `http://127.0.0.1:8123` (`CLICKHOUSE_URL`); credentials in it win over `user` and `password`. */
  readonly url: string;
  /** `CLICKHOUSE_USER`. Default: the URL's, or `default`. */
  readonly user?: string | undefined;
  /** `CLICKHOUSE_PASSWORD`. Default: the URL's, or none. */
  readonly password?: string | undefined;
}

/** Options of {@link createClickHouseConnection}. */
export interface ClickHouseConnectionOptions {
  /**
   * Database of queries that name none. Default `default` (a database in the
   * URL's path wins); the stores qualify their tables with the configured
   * database, so most callers leave it.
   */
  readonly database?: string;
  /** How long a request's connection may stay idle, in ms. Default 30 000 (the client's). */
  readonly requestTimeoutMs?: number;
  /**
   * Whether the server sends a progress header every 10 s while a query runs,
   * so a query that answers only after minutes does not leave its connection
   * idle meanwhile (`requestTimeoutMs` and proxies count idle time). Default false.
   */
  readonly progressHeaders?: boolean;
  /** Turns the client's own log off, for callers that report every failure themselves. Default false. */
  readonly quiet?: boolean;
}

/** The `@clickhouse/client` configuration of {@link createClickHouseConnection}. */
export function clickHouseClientConfig(connection: ClickHouseConnection, options: ClickHouseConnectionOptions = {}): ClickHouseClientConfigOptions {
  const { url, user, password } = connection;
  const { database, requestTimeoutMs, progressHeaders = false, quiet = false } = options;
  return {
    url,
    ...(user === undefined ? {} : { username: user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    ...(requestTimeoutMs === undefined ? {} : { request_timeout: requestTimeoutMs }),
    ...(progressHeaders ? { clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' } } : {}),
    ...(quiet ? { log: { level: ClickHouseLogLevel.OFF } } : {}),
  };
}

/**
 * The one way services and commands open ClickHouse: a
 * `@clickhouse/client` client of `connection`, with the user and password
 * only when given, and the few settings callers choose between in `options`.
 * The caller closes it (`close()`).
 */
export function createClickHouseConnection(connection: ClickHouseConnection, options: ClickHouseConnectionOptions = {}): ClickHouseClient {
  return createClient(clickHouseClientConfig(connection, options));
}
