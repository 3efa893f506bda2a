/**
 * @tributary/observability/testing — real OpenTelemetry pieces for tests:
 * tracing registered like in production, with spans kept in memory to assert
 * on, and an OTLP/HTTP receiver for the spans of services run as processes.
 */
export { startOtlpReceiver, type OtlpReceiver, type OtlpReceiverOptions, type ReceivedSpan, type ReceivedSpanKind } from './otlp-receiver.js';
export { startTestTracing, type TestTracing } from './test-tracing.js';
