import { Code, TributaryError } from '@tributary/errors';

/**
 * A record's bytes do not parse with its topic's schema. Trying again reads the
 * same bytes, so it is never retryable: the record goes to the DLQ at once.
 */
export class KafkaDecodeError extends TributaryError {
  override name = 'KafkaDecodeError';

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly schemaName: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(Code.InvalidArgument, `cannot decode ${topic}[${partition}]@${offset} as ${schemaName}: ${reason}`, { cause, retryable: false });
  }
}

/** The brokers cannot be reached or answered with a transient failure; worth retrying later. */
export class KafkaUnavailableError extends TributaryError {
  override name = 'KafkaUnavailableError';

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(Code.Unavailable, `kafka ${operation} failed: ${reason}`, { cause, retryable: true });
  }
}

/** The broker refused the records for a reason that another try will not change (e.g. a record too large). */
export class KafkaProduceError extends TributaryError {
  override name = 'KafkaProduceError';

  constructor(
    readonly topic: string,
    readonly recordCount: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(Code.FailedPrecondition, `cannot produce ${recordCount} record(s) to ${topic}: ${reason}`, { cause, retryable: false });
  }
}

/**
 * A failed record could not be written to the dead-letter topic. Its offset is
 * not committed, so it is consumed again once the broker is back.
 */
export class KafkaDeadLetterError extends TributaryError {
  override name = 'KafkaDeadLetterError';

  constructor(
    readonly deadLetterTopic: string,
    readonly sourceTopic: string,
    readonly sourcePartition: number,
    readonly sourceOffset: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(Code.Unavailable, `cannot write ${sourceTopic}[${sourcePartition}]@${sourceOffset} to ${deadLetterTopic}: ${reason}`, {
      cause,
      retryable: true,
    });
  }
}

/** A topic could not be created or grown to its catalogue definition. */
export class KafkaTopicSetupError extends TributaryError {
  override name = 'KafkaTopicSetupError';

  constructor(
    readonly topics: readonly string[],
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(isTransientKafkaError(cause) ? Code.Unavailable : Code.FailedPrecondition, `cannot set up topics ${topics.join(', ')}: ${reason}`, {
      cause,
    });
  }
}

/** A producer or consumer was used after `close()`. */
export class KafkaClosedError extends TributaryError {
  override name = 'KafkaClosedError';

  constructor(readonly component: 'producer' | 'consumer') {
    super(Code.FailedPrecondition, `the kafka ${component} is closed`, { retryable: false });
  }
}

/**
 * Whether a kafkajs failure is transient: kafkajs marks its errors `retriable`;
 * connection loss and exhausted internal retries mean the broker is away. The
 * causes count too: when its own retries give up, kafkajs wraps a refused
 * connection in a `KafkaJSNonRetriableError`, which says nothing about the
 * broker coming back (a killed broker made `tributary publish` give up at once).
 */
export function isTransientKafkaError(reason: unknown): boolean {
  for (let error = reason, depth = 0; error instanceof Error && depth < 8; error = error.cause, depth++) {
    if (transientKafkaErrorNames.has(error.name) || (error as { retriable?: unknown }).retriable === true) return true;
  }
  return false;
}

const transientKafkaErrorNames: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
]);

/** The environment names a Kafka SASL user without a usable password or mechanism. Not retryable: the configuration must change. */
export class KafkaCredentialsError extends TributaryError {
  override name = 'KafkaCredentialsError';

  constructor(message: string) {
    super(Code.FailedPrecondition, message, { retryable: false });
  }
}
