import { Code, TributaryError } from '@tributary/errors';

/** Test tracing was asked for while tracing already runs, so its spans would go elsewhere. */
export class TracingAlreadyStartedError extends TributaryError {
  override name = 'TracingAlreadyStartedError';

  constructor() {
    super(Code.FailedPrecondition, 'tracing already started; shut it down before starting test tracing', { retryable: false });
  }
}

/** A body sent to the test OTLP receiver is not an OTLP/JSON trace export request. */
export class OtlpPayloadError extends TributaryError {
  override name = 'OtlpPayloadError';

  constructor(message: string) {
    super(Code.InvalidArgument, `not an OTLP trace request: ${message}`, { retryable: false });
  }
}
