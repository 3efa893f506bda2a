/**
 * @tributary/ingest/testing — honest in-memory doubles of the ingestor's
 * collaborators, for tests of code that uses an ingestor where Redis and
 * ClickHouse are not what is being tested, and fast-check generators of
 * flight events, valid and not, for the fuzz specs.
 */
export { InMemoryDeduplicator } from './in-memory-deduplicator.js';
export { InMemoryEventSink } from './in-memory-event-sink.js';
export { anyEventArbitrary, flightArbitrary, validFlightEventArbitrary } from './flight-event-arbitraries.js';
