import { Code, TributaryError } from '@tributary/errors';

/**
 * An input tensor that cannot be read as it claims to be: its shape, datatype
 * and contents (typed or raw bytes) disagree, or it is not the tensor the
 * model takes. The message says what to send instead. Not retryable: the
 * same request fails the same way.
 */
export class MalformedTensorError extends TributaryError {
  override name = 'MalformedTensorError';

  constructor(
    /** The tensor's name as the request gave it. */
    readonly tensor: string,
    message: string,
  ) {
    super(Code.InvalidArgument, `input tensor "${tensor}": ${message}`, { retryable: false });
  }
}

/** A row holds a value the model cannot take: ±Infinity, or beyond float32's range. Not retryable. */
export class NonFiniteFeatureError extends TributaryError {
  override name = 'NonFiniteFeatureError';

  constructor(
    readonly tensor: string,
    /** Row of the bad value, from 0. */
    readonly row: number,
    /** Feature (column) name of the bad value. */
    readonly feature: string,
    readonly value: number,
  ) {
    super(
      Code.InvalidArgument,
      `input tensor "${tensor}": row ${row}, feature "${feature}" is ${value}; send a finite float32 number, or NaN for a missing value`,
      { retryable: false },
    );
  }
}

/** The request asks for an output the model does not have. Not retryable. */
export class UnknownOutputError extends TributaryError {
  override name = 'UnknownOutputError';

  constructor(
    readonly output: string,
    readonly known: readonly string[],
  ) {
    super(Code.InvalidArgument, `the model has no output "${output}"; ask for ${known.map((name) => `"${name}"`).join(' or ')}`, {
      retryable: false,
    });
  }
}

/**
 * A REST inference body that is not a KServe v2 request: not JSON, a JSON
 * that is not the request object, or a binary-data section (Triton's
 * extension) that does not add up. Not retryable.
 */
export class MalformedInferBodyError extends TributaryError {
  override name = 'MalformedInferBodyError';

  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(Code.InvalidArgument, `inference request body: ${message}`, { retryable: false, ...options });
  }
}
