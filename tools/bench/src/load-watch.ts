/** The machine's load while a benchmark runs, reported beside its numbers. */
import { loadavg } from 'node:os';

/** Samples of the 1-minute load average, every 5 s until stopped. */
export interface LoadWatch {
  readonly samples: number[];
  stop(): void;
}

/** Starts sampling the 1-minute load average. */
export function watchLoad(): LoadWatch {
  const samples = [loadavg()[0] as number];
  const timer = setInterval(() => samples.push(loadavg()[0] as number), 5_000);
  return { samples, stop: () => clearInterval(timer) };
}
