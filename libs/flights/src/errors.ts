import { Code, TributaryError } from '@tributary/errors';

/** The flights parquet file is not where the vega-datasets package should have put it. */
export class FlightsDatasetNotFoundError extends TributaryError {
  override name = 'FlightsDatasetNotFoundError';

  constructor(
    readonly path: string,
    cause?: unknown,
  ) {
    super(Code.FailedPrecondition, `flights dataset not found at ${path}; is vega-datasets installed?`, {
      cause,
      retryable: false,
    });
  }
}

/** A row of the dataset breaks an assumption the events are built on (a null, or time going backwards). */
export class MalformedFlightRowError extends TributaryError {
  override name = 'MalformedFlightRowError';

  constructor(
    /** Position of the row in the file, or of the flight in the input. */
    readonly rowIndex: number,
    readonly reason: string,
  ) {
    super(Code.DataLoss, `flights row ${rowIndex}: ${reason}`, { retryable: false });
  }
}

/** Options of a read contradict each other (e.g. a time range that ends before it starts). */
export class InvalidFlightsReadOptionsError extends TributaryError {
  override name = 'InvalidFlightsReadOptionsError';

  constructor(readonly reason: string) {
    super(Code.InvalidArgument, `invalid flights read options: ${reason}`, { retryable: false });
  }
}
