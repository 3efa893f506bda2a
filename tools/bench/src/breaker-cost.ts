/**
 * What a failing call costs a circuit breaker beside a succeeding one, in this
 * process: our breaker (`@tributary/resilience`, opossum without rolling
 * percentiles and snapshots) beside bare opossum with its defaults. With
 * percentiles on, opossum reads its stats on every failure, and that read
 * concatenates and sorts the latency of every call in the rolling window: the
 * event loop stalls exactly when a dependency starts to fail. The window is
 * filled first, with 1 000 calls and with 30 000 (a busy service's 10 s);
 * then one call in {@link FAILURE_EVERY} fails, below the error threshold, so
 * the breaker stays closed and every call runs. What must hold: a failure
 * costs the same however full the window is.
 */
import { createBreaker } from '@tributary/resilience';
import { createLogger } from '@tributary/observability';
import CircuitBreaker from 'opossum';
import type { Measurement } from './results.js';

/** Calls in the rolling window before measuring: a service answering a few thousand requests a second fills its 10 s. */
const FULL_WINDOW = 30_000;
const SMALL_WINDOW = 1_000;
const MEASURED_CALLS = 4_000;
const FAILURE_EVERY = 20;
const REPEATS = 3;

type Fire = (fail: boolean) => Promise<unknown>;
interface Cost {
  readonly succeedingUs: number;
  readonly failingUs: number;
}

/** The run of median failing cost; its succeeding cost comes with it. */
const median = (costs: Cost[]): Cost => [...costs].sort((a, b) => a.failingUs - b.failingUs)[Math.floor(costs.length / 2)] as Cost;

const action = (fail: boolean) => (fail ? Promise.reject(new Error('injected failure')) : Promise.resolve(1));

/** Mean µs of a succeeding and of a failing fire, once `windowCalls` calls are in the window. */
async function fireCost(fire: Fire, windowCalls: number): Promise<Cost> {
  for (let i = 0; i < windowCalls; i++) await fire(false);
  let succeeding = 0;
  let failing = 0;
  for (let i = 1; i <= MEASURED_CALLS; i++) {
    const fail = i % FAILURE_EVERY === 0;
    const started = performance.now();
    await fire(fail).catch(() => undefined);
    const us = (performance.now() - started) * 1_000;
    if (fail) failing += us;
    else succeeding += us;
  }
  const failures = Math.floor(MEASURED_CALLS / FAILURE_EVERY);
  return { succeedingUs: succeeding / (MEASURED_CALLS - failures), failingUs: failing / failures };
}

/** {@link fireCost} of a breaker made for the run, shut down after it. */
async function costOf(make: () => { fire: Fire; shutdown(): void }, windowCalls: number): Promise<Cost> {
  const breaker = make();
  try {
    return await fireCost(breaker.fire, windowCalls);
  } finally {
    breaker.shutdown();
  }
}

export async function measureBreakerCost(): Promise<Measurement[]> {
  const logger = createLogger({ name: 'bench-breaker', level: 'warn' });
  const ours = () => {
    const breaker = createBreaker('bench-breaker', action, { timeoutMs: false, logger });
    return { fire: (fail: boolean) => breaker.fire(fail), shutdown: () => breaker.shutdown() };
  };
  const bare = () => {
    const breaker = new CircuitBreaker(action, { timeout: false });
    return { fire: (fail: boolean) => breaker.fire(fail), shutdown: () => breaker.shutdown() };
  };
  // Alternated, the median of each kept: a shared machine's noise and the JIT's warm-up fall on both window sizes alike.
  const runs = { small: [] as Cost[], full: [] as Cost[], bareSmall: [] as Cost[], bareFull: [] as Cost[] };
  for (let i = 0; i < REPEATS; i++) {
    runs.small.push(await costOf(ours, SMALL_WINDOW));
    runs.full.push(await costOf(ours, FULL_WINDOW));
    runs.bareSmall.push(await costOf(bare, SMALL_WINDOW));
    runs.bareFull.push(await costOf(bare, FULL_WINDOW));
  }
  const small = median(runs.small);
  const full = median(runs.full);
  const bareSmall = median(runs.bareSmall);
  const bareFull = median(runs.bareFull);
  return [
    { name: 'breaker fire µs, calls succeeding', value: full.succeedingUs, unit: 'µs' },
    { name: 'breaker fire µs, calls failing', value: full.failingUs, unit: 'µs' },
    // A failure costs the same however busy the window is: no pass over the calls in it.
    { name: 'breaker failure cost growth, window 30000 vs 1000 calls', value: full.failingUs / small.failingUs, unit: '×', target: '≤ 2' },
    { name: 'bare opossum defaults fire µs, calls failing', value: bareFull.failingUs, unit: 'µs' },
    { name: 'bare opossum defaults failure cost growth, window 30000 vs 1000 calls', value: bareFull.failingUs / bareSmall.failingUs, unit: '×' },
  ];
}
