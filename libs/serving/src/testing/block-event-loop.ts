/** Keeps the event loop busy for `ms`, as a flood of requests would: nothing else runs on this thread meanwhile. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}
