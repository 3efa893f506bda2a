import { createLogger, type Logger } from '@tributary/observability';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type LogEntry, type SASLOptions, type logCreator } from 'kafkajs';
import { KafkaCredentialsError } from './errors.js';

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions {
  /** Client id the brokers see in their logs and quotas, e.g. the service name. */
  readonly clientId: string;
  /** Bootstrap brokers. Default {@link kafkaBrokersFromEnv} of {@link KafkaClientOptions.env}. */
  readonly brokers?: readonly string[];
  /** Where kafkajs's own warnings and errors go. Default a logger named `kafkajs`. */
  readonly logger?: Logger;
  /** TCP connect timeout, in ms. Default 3000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one broker request, in ms. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** SASL credentials of this client's principal. Default {@link kafkaSaslFromEnv} of {@link KafkaClientOptions.env}: none unless it sets them. */
  readonly sasl?: SASLOptions;
  /**
   * Where brokers and credentials not given here come from, e.g. the
   * environment of servers of one's own, whose clients must not take the
   * process's credentials for other servers. Default `process.env`.
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** What a client is made from, without its logger: plain data, which can be sent to a worker thread that makes its own client. */
export type KafkaConnectionOptions = Omit<KafkaClientOptions, 'logger'>;

const saslMechanisms = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;

/** A principal's user and password for one of {@link saslMechanisms}. */
export interface KafkaPasswordSasl {
  readonly mechanism: (typeof saslMechanisms)[number];
  readonly username: string;
  readonly password: string;
}

/**
 * SASL credentials from `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD` or
 * `KAFKA_SASL_PASSWORD_FILE` (a file holding only the password, e.g. a
 * mounted Kubernetes Secret), with `KAFKA_SASL_MECHANISM` (default
 * `scram-sha-256`); undefined when no user name is set (a broker without
 * SASL). Blank counts as unset. Throws {@link KafkaCredentialsError} on a
 * user without a password or an unknown mechanism.
 */
export function kafkaSaslFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaPasswordSasl | undefined {
  const value = (name: string) => env[name]?.trim() || undefined;
  const username = value('KAFKA_SASL_USERNAME');
  if (username === undefined) return undefined;
  const passwordFile = value('KAFKA_SASL_PASSWORD_FILE');
  const password = value('KAFKA_SASL_PASSWORD') ?? (passwordFile === undefined ? undefined : readFileSync(passwordFile, 'utf8').trim());
  if (!password) throw new KafkaCredentialsError(`KAFKA_SASL_USERNAME is set (${username}) but neither KAFKA_SASL_PASSWORD nor KAFKA_SASL_PASSWORD_FILE gives a password`);
  const mechanism = value('KAFKA_SASL_MECHANISM') ?? 'scram-sha-256';
  if (mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512' || mechanism === 'plain') return { mechanism, username, password };
  throw new KafkaCredentialsError(`KAFKA_SASL_MECHANISM is ${mechanism}; expected one of ${saslMechanisms.join(', ')}`);
}

/** Brokers from `KAFKA_BROKERS` (comma-separated); blank or unset means `127.0.0.1:9092`. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = (env['KAFKA_BROKERS'] ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  return brokers.length > 0 ? brokers : ['127.0.0.1:9092'];
}

/**
 * A kafkajs client whose log lines go to the structured logger. The client-level
 * `retry` is left unset on purpose: idempotent producers need kafkajs's own
 * unbounded retries.
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const logger = options.logger ?? createLogger({ name: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...(options.brokers ?? kafkaBrokersFromEnv(options.env))],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    ...withSasl(options.sasl ?? kafkaSaslFromEnv(options.env)),
    logLevel: logLevel.WARN,
    logCreator: toPino(logger),
  });
}

function withSasl(sasl: SASLOptions | undefined): { sasl?: SASLOptions } {
  return sasl === undefined ? {} : { sasl };
}

function toPino(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const line = { namespace, ...fields };
      if (level === logLevel.ERROR) logger.error(line, message);
      else if (level === logLevel.WARN) logger.warn(line, message);
      else if (level === logLevel.INFO) logger.info(line, message);
      else logger.debug(line, message);
    };
}
