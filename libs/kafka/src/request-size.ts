/** The brokers' default `message.max.bytes`: the most bytes a record batch, so a produce request to one partition, may hold. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Room to leave under that limit for a produce request's own framing (request, topic and record batch headers). */
export const REQUEST_FRAMING_BYTES = 1_024;
