import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { retry } from '@tributary/resilience';
import lockfile from 'proper-lockfile';
import { LockTimeoutError } from './errors.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for another process to release the lock, in ms. Default 15 minutes (a cold install). */
  readonly waitMs?: number;
}

const isLocked = (reason: unknown): boolean => (reason as { code?: unknown } | null)?.code === 'ELOCKED';

/**
 * Runs `fn` while holding an inter-process lock at `lockPath` (a directory
 * created atomically by proper-lockfile; a holder that died leaves a lock
 * that goes stale after 10 s). Waiters poll with jittered backoff.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { waitMs = 15 * 60_000 } = options;
  await mkdir(dirname(lockPath), { recursive: true });
  let compromised: Error | undefined;
  const acquire = () =>
    lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: 10_000,
      // The default throws from a timer, which would crash the process; fail the holder instead.
      onCompromised: (error) => {
        compromised = error;
      },
    });
  let release: () => Promise<void>;
  try {
    release = await retry(acquire, {
      retries: Number.POSITIVE_INFINITY,
      baseDelayMs: 20,
      maxDelayMs: 250,
      shouldRetry: isLocked,
      signal: AbortSignal.timeout(waitMs),
    });
  } catch (reason) {
    throw isLocked(reason) ? new LockTimeoutError(lockPath, waitMs) : reason;
  }
  try {
    const result = await fn();
    if (compromised) throw compromised;
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
