import { TributaryError } from '@tributary/errors';

/**
 * Wraps a command's work for commander: its result becomes the exit code, and
 * anything thrown is printed as one line saying what went wrong, exit 1.
 */
export function runAction<A extends unknown[]>(run: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      process.exitCode = await run(...args);
    } catch (reason) {
      console.error(`✗ ${TributaryError.from(reason).message}`);
      process.exitCode = 1;
    }
  };
}
