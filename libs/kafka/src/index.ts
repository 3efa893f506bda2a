/** @tributary/kafka — Typed Kafka producer/consumer, topic catalogue, CloudEvents headers, retries and DLQ. */
export {};
