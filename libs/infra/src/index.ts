/** @tributary/infra — Local infrastructure without Docker: install, start, stop and probe Kafka, ClickHouse and Redis. */
export {};
