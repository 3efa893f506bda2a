import type { HandlerContext } from '@tributary/grpc';

/** A gRPC call's absolute deadline (ms on the `Date.now()` clock): the client's, or `defaultMs` from now when it set none. */
export function grpcDeadlineAtMs(context: HandlerContext, defaultMs: number): number {
  return Date.now() + (context.deadline ? context.timeRemainingMs() : defaultMs);
}

/**
 * A REST request's absolute deadline: from Triton's `timeout` parameter
 * (microseconds) or the `Request-Timeout-Ms` header, the shorter if both,
 * else `defaultMs` from now.
 */
export function restDeadlineAtMs(defaultMs: number, header: string | string[] | undefined, timeoutUs?: number): number {
  const fromHeader = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  const budgets = [fromHeader, timeoutUs === undefined ? undefined : timeoutUs / 1000].filter((ms): ms is number => ms !== undefined);
  return Date.now() + (budgets.length > 0 ? Math.min(...budgets) : defaultMs);
}
