/**
 * @tributary/observability/testing — real OpenTelemetry pieces for tests:
 * tracing registered like in production, with spans kept in memory to assert on.
 */
export { startTestTracing, type TestTracing } from './test-tracing.js';
