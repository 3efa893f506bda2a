import { envValue, loopbackHost, resolvePorts } from './infra-config.js';

/** How clients reach Kafka, Redis and ClickHouse. */
export interface LocalEndpoints {
  /** `host:port` of each bootstrap broker. */
  readonly kafkaBrokers: string[];
  /** e.g. `redis://127.0.0.1:6379`. */
  readonly redisUrl: string;
  /** ClickHouse's HTTP interface, e.g. `http://127.0.0.1:8123`. */
  readonly clickhouseUrl: string;
}

/**
 * Where clients find the servers of `tributary infra up`: `KAFKA_BROKERS`
 * (comma-separated), `REDIS_URL` and `CLICKHOUSE_URL` when set, otherwise the
 * loopback ports from the `TRIBUTARY_*_PORT` variables.
 */
export function localEndpoints(env: NodeJS.ProcessEnv = process.env): LocalEndpoints {
  const ports = resolvePorts(env);
  const brokers = envValue(env, 'KAFKA_BROKERS')
    ?.split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  return {
    kafkaBrokers: brokers?.length ? brokers : [`${loopbackHost}:${ports.kafka}`],
    redisUrl: envValue(env, 'REDIS_URL') ?? `redis://${loopbackHost}:${ports.redis}`,
    clickhouseUrl: envValue(env, 'CLICKHOUSE_URL') ?? `http://${loopbackHost}:${ports.clickhouseHttp}`,
  };
}
