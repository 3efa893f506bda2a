import { createLogger, type Logger } from '@tributary/observability';
import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions {
  /** Client id the brokers see in their logs and quotas, e.g. the service name. */
  readonly clientId: string;
  /** Bootstrap brokers. Default {@link kafkaBrokersFromEnv}. */
  readonly brokers?: readonly string[];
  /** Where kafkajs's own warnings and errors go. Default a logger named `kafkajs`. */
  readonly logger?: Logger;
  /** TCP connect timeout, in ms. Default 3000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one broker request, in ms. Default 30 000. */
  readonly requestTimeoutMs?: number;
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
    brokers: [...(options.brokers ?? kafkaBrokersFromEnv())],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: toPino(logger),
  });
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
