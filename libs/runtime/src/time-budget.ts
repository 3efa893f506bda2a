import { TimeBudgetExceededError } from './errors.js';

/**
 * Runs `work` with an abort signal that fires after `budgetMs`, and stops
 * waiting for it then: the result rejects with {@link TimeBudgetExceededError}
 * even if `work` ignores the signal.
 */
export async function withTimeBudget<T>(subject: string, budgetMs: number, work: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new TimeBudgetExceededError(subject, budgetMs);
      controller.abort(error);
      reject(error);
    }, budgetMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), expired]);
  } finally {
    clearTimeout(timer);
  }
}
