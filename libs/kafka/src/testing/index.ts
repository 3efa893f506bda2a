/**
 * @tributary/kafka/testing — helpers for tests that talk to a real broker:
 * unique topic and group names so test files can run side by side, topics made
 * and removed, and a reader that collects the records a test expects.
 */
export { readRecords, type ReadRecord, type ReadRecordsOptions } from './read-records.js';
export { createTestTopics, type TestTopics } from './test-topics.js';
export { uniqueName } from './unique-name.js';
