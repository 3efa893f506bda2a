import { Code, TributaryError } from '@tributary/errors';

/** The suite was pointed at the shared servers (default ports or home), which it would kill. */
export class SharedInfraRefusedError extends TributaryError {
  override name = 'SharedInfraRefusedError';
  constructor(readonly setting: string) {
    super(Code.FailedPrecondition, `the chaos suite kills servers and refuses to run on shared infrastructure: ${setting}`, { retryable: false });
  }
}

/** A scenario name the catalogue does not know. */
export class UnknownScenarioError extends TributaryError {
  override name = 'UnknownScenarioError';
  constructor(
    readonly scenario: string,
    readonly known: readonly string[],
  ) {
    super(Code.InvalidArgument, `unknown chaos scenario ${JSON.stringify(scenario)}; known: ${known.join(', ')}`, { retryable: false });
  }
}

/** The consumers did not settle (lag 0, nothing moving) in time. */
export class QuietTimeoutError extends TributaryError {
  override name = 'QuietTimeoutError';
  constructor(
    readonly timeoutMs: number,
    /** Lag per consumer group when the wait gave up. */
    readonly lagByGroup: Readonly<Record<string, number>>,
  ) {
    super(Code.DeadlineExceeded, `consumers not quiet after ${timeoutMs} ms; lag by group: ${JSON.stringify(lagByGroup)}`, { retryable: true });
  }
}

/** A process the suite runs (service, publisher, backfill) failed in a way that ends the scenario. */
export class ChaosProcessError extends TributaryError {
  override name = 'ChaosProcessError';
  constructor(
    readonly processName: string,
    detail: string,
    /** Its log file, to read what happened. */
    readonly logFile: string,
  ) {
    super(Code.Internal, `${processName}: ${detail} (log: ${logFile})`, { retryable: false });
  }
}

/** Slice bounds that are not `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`. */
export class InvalidSliceError extends TributaryError {
  override name = 'InvalidSliceError';
  constructor(readonly bound: string) {
    super(Code.InvalidArgument, `slice bounds are YYYY-MM-DD or YYYY-MM-DDTHH:MM, got ${JSON.stringify(bound)}`, { retryable: false });
  }
}

/** A fault was aimed at a process the suite is not running (never started, or already killed). */
export class NotRunningError extends TributaryError {
  override name = 'NotRunningError';
  constructor(readonly processName: string) {
    super(Code.FailedPrecondition, `${processName} is not running in the chaos stack`, { retryable: false });
  }
}

/** A consumer group did not settle with the members a scenario started, each holding partitions. */
export class GroupMembersTimeoutError extends TributaryError {
  override name = 'GroupMembersTimeoutError';
  constructor(
    readonly groupId: string,
    readonly members: number,
    readonly timeoutMs: number,
    /** Partitions per member when the wait gave up. */
    readonly lastAssignment: string,
  ) {
    super(Code.DeadlineExceeded, `group ${groupId} not stable with ${members} members holding partitions after ${timeoutMs} ms; last: ${lastAssignment}`, { retryable: true });
  }
}
