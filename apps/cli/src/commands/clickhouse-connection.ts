import { clickhouseEnv, clickhouseSchemaEnv, loadConfig } from '@tributary/config';

/** How a command reaches ClickHouse, read as the services read it. */
export interface ClickHouseConnection {
  /** `CLICKHOUSE_URL`, default `http://127.0.0.1:8123`. */
  readonly url: string;
  /** `CLICKHOUSE_USER`, default `default`: under security the operator's user (`.tributary/secrets/operator.env`). */
  readonly user: string;
  /** `CLICKHOUSE_PASSWORD`; unset for none. */
  readonly password?: string;
  /** `CLICKHOUSE_MANAGE_SCHEMA`, default true: false when deploy/clickhouse's SQL made the tables and the user may not create any. */
  readonly manageSchema: boolean;
}

/** The ClickHouse connection of `env`; throws ConfigError naming every invalid variable. */
export function clickhouseConnection(env: NodeJS.ProcessEnv = process.env): ClickHouseConnection {
  const { url, user, password, manageSchema } = loadConfig({ ...clickhouseEnv(), ...clickhouseSchemaEnv() }, env);
  return { url, user, manageSchema, ...(password === undefined ? {} : { password }) };
}
