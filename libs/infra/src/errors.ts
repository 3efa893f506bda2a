import { Code, TributaryError } from '@tributary/errors';
import type { ServiceUpResult } from './infra-reports.js';

/** A port environment variable holds something that is not a TCP port. */
export class InvalidPortError extends TributaryError {
  override name = 'InvalidPortError';
  constructor(
    readonly envVar: string,
    readonly value: string,
  ) {
    super(Code.InvalidArgument, `${envVar}=${JSON.stringify(value)} is not a TCP port (an integer from 1 to 65535)`);
  }
}

/** No directory holding nx.json above the library, and no `TRIBUTARY_HOME` to use instead. */
export class WorkspaceRootNotFoundError extends TributaryError {
  override name = 'WorkspaceRootNotFoundError';
  constructor(readonly searchedFrom: string) {
    super(Code.FailedPrecondition, `no nx.json found above ${searchedFrom}; set TRIBUTARY_HOME to choose where local infrastructure lives`);
  }
}

/** A port a server needs is held by a process that `tributary infra` did not start. */
export class PortTakenError extends TributaryError {
  override name = 'PortTakenError';
  constructor(
    readonly service: string,
    readonly port: number,
    readonly envVar: string,
    /** Who listens there, e.g. "pid 6100 redis-server", when it could be found. */
    readonly holder: string | undefined,
  ) {
    const by = holder ? ` (${holder})` : '';
    super(
      Code.FailedPrecondition,
      `${service}: port ${port} on 127.0.0.1 is taken by something else${by}; stop it or set ${envVar} to a free port`,
    );
  }
}

/** A program the servers need is missing and cannot be installed from here. */
export class MissingSystemPackageError extends TributaryError {
  override name = 'MissingSystemPackageError';
  constructor(
    readonly program: string,
    readonly aptPackage: string,
    reason: string,
  ) {
    super(Code.FailedPrecondition, `${program} is missing (${reason}); install it with: sudo apt-get install -y ${aptPackage}`);
  }
}

/** A command run to install or prepare something failed. */
export class CommandFailedError extends TributaryError {
  override name = 'CommandFailedError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    /** The last lines the command printed. */
    readonly outputTail: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(Code.Internal, `${command} failed (exit ${exitCode ?? 'by signal'})${outputTail ? `:\n${outputTail}` : ''}`, options);
  }
}

/** A server process ended while it was being started. */
export class ServerExitedError extends TributaryError {
  override name = 'ServerExitedError';
  constructor(
    readonly service: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(Code.Unavailable, `${service} exited during start; last lines of ${logFile}:\n${logTail}`, { retryable: false });
  }
}

/** A server did not become ready in time. */
export class ReadinessTimeoutError extends TributaryError {
  override name = 'ReadinessTimeoutError';
  constructor(
    readonly service: string,
    readonly timeoutMs: number,
    readonly logFile: string,
    options: { readonly cause?: unknown } = {},
  ) {
    const last = options.cause instanceof Error ? ` (last probe: ${options.cause.message})` : '';
    super(Code.DeadlineExceeded, `${service} was not ready after ${timeoutMs / 1000} s${last}; see ${logFile}`, options);
  }
}

/** Another process held a lock for longer than we were willing to wait. */
export class LockTimeoutError extends TributaryError {
  override name = 'LockTimeoutError';
  constructor(
    readonly lockPath: string,
    readonly timeoutMs: number,
  ) {
    super(Code.DeadlineExceeded, `${lockPath} is still locked by another process after ${timeoutMs / 1000} s`);
  }
}

/** One failed service of `up()`. */
export interface ServiceFailure {
  readonly service: string;
  readonly error: TributaryError;
}

/** `up()` could not bring every server up; the others were still started. */
export class InfraUpError extends TributaryError {
  override name = 'InfraUpError';
  constructor(
    readonly failures: readonly ServiceFailure[],
    /** Servers that are running after all, as `up()` would have returned them. */
    readonly started: readonly ServiceUpResult[],
  ) {
    const first = failures[0]?.error;
    super(first?.code ?? Code.Unknown, failures.map((f) => f.error.message).join('\n'), {
      cause: first,
      retryable: failures.every((f) => f.error.retryable),
    });
  }
}

/** A server already runs in the other mode (plain or secure) than the one asked for. */
export class InfraModeMismatchError extends TributaryError {
  override name = 'InfraModeMismatchError';
  constructor(
    readonly service: string,
    /** Whether the running server is the secure one. */
    readonly runningSecure: boolean,
  ) {
    super(
      Code.FailedPrecondition,
      `${service} already runs ${runningSecure ? 'with' : 'without'} security; run \`tributary infra down\` first to switch to ${runningSecure ? 'plain' : 'secure'} servers`,
      { retryable: false },
    );
  }
}
