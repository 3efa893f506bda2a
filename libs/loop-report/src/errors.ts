import { Code, TributaryError } from '@tributary/errors';
import { eventTimeText } from './event-time-text.js';

/** No window of the model was reported inside the asked range of event time: there is nothing to chart. */
export class NoLoopReportDataError extends TributaryError {
  override name = 'NoLoopReportDataError';
  readonly modelName: string;
  /** The range asked for, event time ms; undefined where it was left open. */
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;

  constructor(modelName: string, fromMs: number | undefined, toMs: number | undefined, database: string) {
    const range = fromMs === undefined && toMs === undefined ? 'at all' : `inside ${eventTimeText(fromMs)} → ${eventTimeText(toMs)}`;
    super(Code.NotFound, `the drift monitor reported no window of ${modelName} ${range} (database ${database}): nothing to chart`, { retryable: false });
    this.modelName = modelName;
    this.fromMs = fromMs;
    this.toMs = toMs;
  }
}

/** The range of event time asked for does not start before it ends. */
export class InvalidReportRangeError extends TributaryError {
  override name = 'InvalidReportRangeError';
  readonly fromMs: number;
  readonly toMs: number;

  constructor(fromMs: number, toMs: number) {
    super(Code.InvalidArgument, `the range must start before it ends: from ${eventTimeText(fromMs)} is not before to ${eventTimeText(toMs)}`, { retryable: false });
    this.fromMs = fromMs;
    this.toMs = toMs;
  }
}
