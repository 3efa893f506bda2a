import { z } from 'zod';
import { envVar } from './env-var.js';
import { withGroupCheck } from './load-config.js';
import {
  booleanSchema,
  hostPortListSchema,
  logLevelSchema,
  nameListSchema,
  portSchema,
  positiveIntSchema,
  readableFileSchema,
  textSchema,
  urlSchema,
} from './value-schemas.js';

/**
 * Schema groups every service shares, so the same variable has the same name,
 * form and default everywhere. A service composes them:
 * `loadConfig({ kafka: kafkaEnv({ clientId: 'ingestion' }), ops: opsServerEnv(), … })`.
 */

/** Options of {@link kafkaEnv}. */
export interface KafkaEnvOptions {
  /** Default of `KAFKA_CLIENT_ID`, usually the service name. */
  readonly clientId: string;
}

/**
 * `KAFKA_BROKERS` (default `127.0.0.1:9092`) and `KAFKA_CLIENT_ID` (namespaced).
 * A principal's SASL credentials (`KAFKA_SASL_*`) are read by
 * `createKafkaClient` of `@tributary/kafka` itself, so every client has them.
 */
export function kafkaEnv(options: KafkaEnvOptions) {
  return {
    brokers: envVar({
      name: 'KAFKA_BROKERS',
      description: 'Kafka bootstrap brokers.',
      expected: 'host:port[,host:port…]',
      schema: hostPortListSchema,
      default: '127.0.0.1:9092',
    }),
    clientId: envVar({
      name: 'KAFKA_CLIENT_ID',
      description: 'Client id this service shows to Kafka (quotas, broker logs).',
      expected: 'non-blank text',
      schema: textSchema,
      default: options.clientId,
      namespaced: 'client-id',
    }),
  };
}

/**
 * `KAFKA_SESSION_TIMEOUT_MS` (default 10 000) and `KAFKA_HEARTBEAT_INTERVAL_MS`
 * (default 1000) of a service's consumers: how soon the group hands a crashed
 * member's partitions to another (see the failover section of `@tributary/kafka`).
 */
export function kafkaConsumerEnv() {
  return {
    sessionTimeoutMs: envVar({
      name: 'KAFKA_SESSION_TIMEOUT_MS',
      description: 'The consumer group drops a member silent for this long and gives its partitions to another, in ms (the broker allows 6000–1800000).',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '10000',
    }),
    heartbeatIntervalMs: envVar({
      name: 'KAFKA_HEARTBEAT_INTERVAL_MS',
      description: 'How often a consumer heartbeats, also while a handler runs, in ms; well under KAFKA_SESSION_TIMEOUT_MS.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '1000',
    }),
  };
}

/**
 * A topic's name, defaulting to the catalogue's (in `TRIBUTARY_NAMESPACE`):
 * the catalogue still decides the topic's codec and settings; only the name
 * may differ (per environment, or a test's own copy).
 */
export function topicNameEnv(name: string, description: string, defaultName: string) {
  return envVar({ name, description, expected: 'a Kafka topic name', schema: textSchema, default: defaultName, namespaced: 'topic' });
}

/** A Kafka consumer group id, its default in `TRIBUTARY_NAMESPACE`: two namespaces never share a group's offsets. */
export function consumerGroupEnv(name: string, description: string, defaultGroup: string) {
  return envVar({ name, description, expected: 'non-blank text', schema: textSchema, default: defaultGroup, namespaced: 'consumer-group' });
}

/** A prefix of Redis keys, its default in `TRIBUTARY_NAMESPACE`: two namespaces never share a key. */
export function keyPrefixEnv(name: string, description: string, defaultPrefix: string) {
  return envVar({ name, description, expected: 'non-blank text', schema: textSchema, default: defaultPrefix, namespaced: 'key-prefix' });
}

/**
 * `REDIS_URL` (default `redis://127.0.0.1:6379`), one server or a Redis Cluster
 * (`redis+cluster://`, read by `createRedisConnection`), and `REDIS_USERNAME` /
 * `REDIS_PASSWORD` for a URL without credentials (a Kubernetes Secret's password
 * beside an address in a ConfigMap).
 */
export function redisEnv() {
  return {
    url: envVar({
      name: 'REDIS_URL',
      description: 'Redis server, with credentials and database number if any; a Redis Cluster as redis+cluster://host:port?nodes=host:port,… (seed nodes).',
      expected: 'a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL',
      schema: urlSchema(['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:']),
      default: 'redis://127.0.0.1:6379',
    }),
    username: envVar({
      name: 'REDIS_USERNAME',
      description: "Redis ACL user of this service when the Redis URLs carry none (theirs win); unset for the server's default user.",
      expected: 'non-blank text',
      schema: textSchema,
      optional: true,
    }),
    password: envVar({
      name: 'REDIS_PASSWORD',
      description: 'Password of REDIS_USERNAME when the Redis URLs carry none.',
      expected: 'non-blank text',
      schema: textSchema,
      optional: true,
      secret: true,
    }),
  };
}

/** Options of {@link clickhouseEnv}. */
export interface ClickhouseEnvOptions {
  /** Default of `CLICKHOUSE_DATABASE`. Default: `tributary`. */
  readonly database?: string;
}

/** `CLICKHOUSE_URL` (default `http://127.0.0.1:8123`), `CLICKHOUSE_DATABASE` (namespaced), `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`. */
export function clickhouseEnv(options: ClickhouseEnvOptions = {}) {
  return {
    url: envVar({
      name: 'CLICKHOUSE_URL',
      description: 'ClickHouse HTTP interface.',
      expected: 'an http:// or https:// URL',
      schema: urlSchema(['http:', 'https:']),
      default: 'http://127.0.0.1:8123',
    }),
    database: envVar({
      name: 'CLICKHOUSE_DATABASE',
      description: 'ClickHouse database holding this service\'s tables.',
      expected: 'non-blank text',
      schema: textSchema,
      default: options.database ?? 'tributary',
      namespaced: 'database',
    }),
    user: envVar({
      name: 'CLICKHOUSE_USER',
      description: 'ClickHouse user.',
      expected: 'non-blank text',
      schema: textSchema,
      default: 'default',
    }),
    password: envVar({
      name: 'CLICKHOUSE_PASSWORD',
      description: 'ClickHouse password; unset for none.',
      expected: 'non-blank text',
      schema: textSchema,
      optional: true,
      secret: true,
    }),
  };
}

/**
 * `CLICKHOUSE_MANAGE_SCHEMA` (default true), for the services that own
 * ClickHouse tables: false when the schema is managed outside the service (the
 * SQL of deploy/clickhouse applied by an operator), so the service creates
 * nothing at start and its user needs no CREATE grant.
 */
export function clickhouseSchemaEnv() {
  return {
    manageSchema: envVar({
      name: 'CLICKHOUSE_MANAGE_SCHEMA',
      description: 'Whether the service creates its database and tables at start (CREATE … IF NOT EXISTS); false when deploy/clickhouse\'s SQL made them and the user has no CREATE grant.',
      expected: 'true or false',
      schema: booleanSchema,
      default: 'true',
    }),
  };
}

/** Options of {@link registryClientEnv}. */
export interface RegistryClientEnvOptions {
  /** What the service reads from the registry, added to `REGISTRY_ADDRESS`'s description in parentheses. Default: nothing added. */
  readonly uses?: string;
}

/**
 * `REGISTRY_ADDRESS` (default `127.0.0.1:15052`) and `REGISTRY_TLS` (default
 * false): how a service reaches the model registry's gRPC server, with the
 * service's own certificates of {@link serviceAuthEnv} when over TLS.
 */
export function registryClientEnv(options: RegistryClientEnvOptions = {}) {
  return {
    address: envVar({
      name: 'REGISTRY_ADDRESS',
      description: `host:port of the model registry gRPC server${options.uses === undefined ? '' : ` (${options.uses})`}.`,
      expected: 'host:port',
      schema: textSchema,
      default: '127.0.0.1:15052',
    }),
    tls: envVar({
      name: 'REGISTRY_TLS',
      description: 'Whether to reach the registry over TLS (verified against TLS_CA_FILE, presenting TLS_CERT_FILE/TLS_KEY_FILE when set).',
      expected: 'true or false',
      schema: booleanSchema,
      default: 'false',
    }),
  };
}

/** Options of {@link grpcServerEnv} and {@link opsServerEnv}. */
export interface ServerEnvOptions {
  /** Default port, so services on one host need no settings. Defaults: gRPC 15051, ops 9464. */
  readonly port?: number;
}

/** `GRPC_HOST` (default `0.0.0.0`) and `GRPC_PORT` (default 15051). */
export function grpcServerEnv(options: ServerEnvOptions = {}) {
  return listenEnv('GRPC', 'gRPC server', options.port ?? 15_051);
}

/** `OPS_HOST` (default `0.0.0.0`) and `OPS_PORT` (default 9464): the HTTP server of /healthz, /readyz, /metrics. */
export function opsServerEnv(options: ServerEnvOptions = {}) {
  return listenEnv('OPS', 'ops HTTP server (/healthz, /readyz, /metrics, /version)', options.port ?? 9464);
}

function listenEnv(prefix: string, what: string, port: number) {
  return {
    host: envVar({
      name: `${prefix}_HOST`,
      description: `Address the ${what} binds.`,
      expected: 'a host name or IP address',
      schema: textSchema,
      default: '0.0.0.0',
    }),
    port: envVar({
      name: `${prefix}_PORT`,
      description: `Port of the ${what}; 0 picks a free one.`,
      expected: 'an integer 0–65535',
      schema: portSchema,
      default: String(port),
    }),
  };
}

/** `LOG_LEVEL` (default `info`). */
export function logEnv() {
  return {
    level: envVar({
      name: 'LOG_LEVEL',
      description: 'Least severe level written to the log.',
      expected: 'one of fatal, error, warn, info, debug, trace, silent',
      schema: logLevelSchema,
      default: 'info',
    }),
  };
}

/**
 * `SERVICE_AUTH_TOKEN` and `TLS_CERT_FILE`/`TLS_KEY_FILE`/`TLS_CA_FILE`, all
 * unset by default (no authentication, plaintext). Certificate and key go
 * together; a CA alone is enough for a client to verify servers. With all
 * three (mutual TLS), `GRPC_AUTHORIZATION` (unset means `identity`) authorizes
 * every call by the caller's SPIFFE id, `GRPC_PREDICT_CLIENTS` narrows who
 * may predict, and `AUDIT_LOG_FILE` also writes refusals to a file.
 */
export function serviceAuthEnv() {
  const file = (name: string, description: string) =>
    envVar({ name, description, expected: 'the path of a readable PEM file', schema: readableFileSchema, optional: true });
  const tls = withGroupCheck(
    {
      certFile: file('TLS_CERT_FILE', 'Certificate chain this service presents (PEM); TLS is on when set.'),
      keyFile: file('TLS_KEY_FILE', 'Private key of TLS_CERT_FILE (PEM).'),
      caFile: file('TLS_CA_FILE', 'CA that peers\' certificates must chain to (PEM); as a server, requires client certificates (mutual TLS).'),
    },
    (group) => {
      if ((group.certFile === undefined) === (group.keyFile === undefined)) return [];
      const [missing, present] = group.certFile === undefined ? ['TLS_CERT_FILE', 'TLS_KEY_FILE'] : ['TLS_KEY_FILE', 'TLS_CERT_FILE'];
      return [{ variable: missing, message: `required when ${present} is set; set both or neither` }];
    },
  );
  return {
    token: envVar({
      name: 'SERVICE_AUTH_TOKEN',
      description: 'Shared bearer token between services; unset disables token authentication.',
      expected: 'a token of at least 16 characters',
      schema: textSchema.refine((token) => token.length >= 16, 'shorter than 16 characters'),
      optional: true,
      secret: true,
    }),
    tls,
    authorization: envVar({
      name: 'GRPC_AUTHORIZATION',
      description: "With mutual TLS: 'identity' (also when unset) authorizes every call by the caller's certificate identity (SPIFFE id) against the platform's policy; 'off' lets any verified peer call anything.",
      expected: 'identity or off',
      schema: z.enum(['identity', 'off']),
      optional: true,
    }),
    predictClients: envVar({
      name: 'GRPC_PREDICT_CLIENTS',
      description: 'Identities (service names of client certificates) allowed to ask inference for predictions; unset: any authenticated identity.',
      expected: 'comma-separated names',
      schema: nameListSchema,
      optional: true,
    }),
    auditLogFile: envVar({
      name: 'AUDIT_LOG_FILE',
      description: 'File that refused calls are appended to as JSON lines, besides the log; unset: the log only.',
      expected: 'a file path',
      schema: textSchema,
      optional: true,
    }),
    kafkaSasl: kafkaSaslEnv(),
  };
}

/**
 * `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` or `KAFKA_SASL_PASSWORD_FILE`,
 * `KAFKA_SASL_MECHANISM`: the service's Kafka principal, all unset by default
 * (a broker without SASL). Validated and documented here with the service's
 * other credentials; `createKafkaClient` of `@tributary/kafka` reads the same
 * variables, so every Kafka client of the process uses them.
 */
function kafkaSaslEnv() {
  return withGroupCheck(
    {
      username: envVar({
        name: 'KAFKA_SASL_USERNAME',
        description: "This service's Kafka principal (SASL); unset: no SASL.",
        expected: 'non-blank text',
        schema: textSchema,
        optional: true,
      }),
      password: envVar({
        name: 'KAFKA_SASL_PASSWORD',
        description: 'Password of KAFKA_SASL_USERNAME.',
        expected: 'non-blank text',
        schema: textSchema,
        optional: true,
        secret: true,
      }),
      passwordFile: envVar({
        name: 'KAFKA_SASL_PASSWORD_FILE',
        description: 'File holding the password of KAFKA_SASL_USERNAME (e.g. a mounted Secret), instead of KAFKA_SASL_PASSWORD.',
        expected: 'the path of a readable file',
        schema: readableFileSchema,
        optional: true,
      }),
      mechanism: envVar({
        name: 'KAFKA_SASL_MECHANISM',
        description: 'SASL mechanism of KAFKA_SASL_USERNAME; unset: scram-sha-256.',
        expected: 'scram-sha-256, scram-sha-512 or plain',
        schema: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']),
        optional: true,
      }),
    },
    (group) =>
      group.username !== undefined && group.password === undefined && group.passwordFile === undefined
        ? [{ variable: 'KAFKA_SASL_PASSWORD', message: 'required when KAFKA_SASL_USERNAME is set (or KAFKA_SASL_PASSWORD_FILE)' }]
        : [],
  );
}

/** `SHUTDOWN_TIMEOUT_MS` (default 10000). */
export function shutdownEnv() {
  return {
    timeoutMs: envVar({
      name: 'SHUTDOWN_TIMEOUT_MS',
      description: 'Time each resource gets to drain and close on SIGTERM, in ms.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '10000',
    }),
  };
}

/** `OTEL_EXPORTER_OTLP_ENDPOINT`, unset by default (spans are not exported). */
export function tracingEnv() {
  return {
    otlpEndpoint: envVar({
      name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      description: 'OTLP/HTTP collector base URL spans are sent to (…/v1/traces); unset keeps spans in-process.',
      expected: 'an http:// or https:// URL',
      schema: urlSchema(['http:', 'https:']),
      optional: true,
    }),
  };
}

/** Options of {@link serviceBaseEnv}. */
export interface ServiceBaseEnvOptions {
  /** Default gRPC port of the service. */
  readonly grpcPort: number;
  /** Default ops HTTP port of the service. */
  readonly opsPort: number;
}

/**
 * The variables every service has: its gRPC and ops servers, service
 * authentication, shutdown budget, tracing export and log level.
 */
export function serviceBaseEnv(options: ServiceBaseEnvOptions) {
  return {
    grpc: grpcServerEnv({ port: options.grpcPort }),
    ops: opsServerEnv({ port: options.opsPort }),
    auth: serviceAuthEnv(),
    shutdown: shutdownEnv(),
    tracing: tracingEnv(),
    log: logEnv(),
  };
}
