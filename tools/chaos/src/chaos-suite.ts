/**
 * The suite: brings up a private stack, runs each scenario on it with a
 * fault moment drawn from the seed, tears the stack down (by the PIDs it
 * recorded) and removes its home.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findWorkspaceRoot } from '@tributary/infra';
import { createRandom } from '@tributary/seeded-random';
import { createChaosStack } from './chaos-stack.js';
import { totalDifferences } from './feature-comparison.js';
import { readSliceEvents, type FlightSlice } from './flight-slice.js';
import { runScenario, type ScenarioResult } from './run-scenario.js';
import type { ChaosScenario } from './scenarios.js';

/** Options of {@link runChaosSuite}. */
export interface ChaosSuiteOptions {
  readonly scenarios: readonly ChaosScenario[];
  /** Default two days: 2001-01-02 to 2001-01-04. */
  readonly slice?: FlightSlice;
  /** Seed of the fault moments. Default: drawn, and printed. */
  readonly seed?: number;
  /** Publish rate, events/s. Default 2000 (two days take about 35 s). */
  readonly eventsPerSecond?: number;
  /** Pause length, ms. Default 45 000: past the consumers' 30 s session timeout and 30 s idleness. */
  readonly pauseMs?: number;
  /** How long a killed server stays down, ms. Default 10 000. */
  readonly serverDownMs?: number;
  /** Parent of the run's stack home. Default `<workspace>/.tributary/chaos`. */
  readonly homeParent?: string;
  /** Keep the run's home (server data and logs) instead of removing it. Default false. */
  readonly keepData?: boolean;
  /** How long recovery and quiet may each take per scenario, ms. Default 300 000. */
  readonly settleTimeoutMs?: number;
  /** Progress lines. Default console.log with a time stamp. */
  readonly log?: (line: string) => void;
}

/** A scenario that could not finish (its fault broke the suite itself, or the system never settled). */
export interface ScenarioFailure {
  readonly scenario: string;
  readonly error: string;
}

/** What the suite found. */
export interface ChaosSuiteResult {
  readonly seed: number;
  readonly runId: string;
  readonly slice: FlightSlice;
  readonly results: readonly ScenarioResult[];
  readonly failures: readonly ScenarioFailure[];
  /** True when every scenario finished with no violation. */
  readonly passed: boolean;
}

/** The slice of the default run: two days of January 2001. */
export const defaultSlice: FlightSlice = { from: '2001-01-02', to: '2001-01-04' };

/** Faults land between these fractions of the expected publish duration, so events flow before and after. */
const FAULT_WINDOW = [0.15, 0.6] as const;

const timestamped = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** Runs the scenarios one after another on one private stack. */
export async function runChaosSuite(options: ChaosSuiteOptions): Promise<ChaosSuiteResult> {
  const { scenarios, slice = defaultSlice, eventsPerSecond = 2000, pauseMs = 45_000, serverDownMs = 10_000, log = timestamped } = options;
  const seed = options.seed ?? randomBytes(4).readUInt32BE();
  const random = createRandom(seed);
  const runId = randomBytes(3).toString('hex');
  const home = join(options.homeParent ?? join(findWorkspaceRoot(), '.tributary', 'chaos'), runId);
  log(`chaos run ${runId}: seed ${seed}, slice ${slice.from} → ${slice.to}, ${scenarios.map((s) => s.name).join(', ')}`);

  const sliceEvents = await readSliceEvents(slice);
  const stack = await createChaosStack({ home, onEvent: log });
  const results: ScenarioResult[] = [];
  const failures: ScenarioFailure[] = [];
  try {
    log(`stack: home ${home}, Kafka ${stack.ports.kafka}, ClickHouse ${stack.ports.clickhouseHttp}, Redis ${stack.ports.redis}`);
    await stack.up();
    for (const scenario of scenarios) {
      const faultAt = FAULT_WINDOW[0] + random() * (FAULT_WINDOW[1] - FAULT_WINDOW[0]);
      log(`${scenario.name}: ${scenario.description}; fault at ${(faultAt * 100).toFixed(0)} % of the publish`);
      try {
        const result = await runScenario({
          stack,
          scenario,
          slice,
          sliceEvents,
          faultAt,
          eventsPerSecond,
          pauseMs,
          serverDownMs,
          runId,
          logDir: join(home, 'logs'),
          log,
          ...(options.settleTimeoutMs === undefined ? {} : { settleTimeoutMs: options.settleTimeoutMs }),
        });
        results.push(result);
        log(summarize(result));
      } catch (error) {
        // Paths in the message (log files) are said relative to the workspace, as the results file is shared.
        failures.push({ scenario: scenario.name, error: (error as Error).message.replaceAll(`${findWorkspaceRoot()}/`, '') });
        log(`${scenario.name}: did not finish: ${(error as Error).message}`);
        // A scenario that broke may leave a server down: bring the stack back for the next one.
        await stack.up();
      }
    }
  } finally {
    await stack.down();
    if (!options.keepData) await rm(home, { recursive: true, force: true });
  }
  const passed = failures.length === 0 && results.every((result) => result.violations.length === 0);
  return { seed, runId, slice, results, failures, passed };
}

/** One scenario's verdict in a few lines: the counts, then each violation. */
export function summarize(result: ScenarioResult): string {
  const offline = result.features ? totalDifferences(result.features.offline) : undefined;
  const lines = [
    `${result.scenario}: ${result.violations.length === 0 ? 'PASS' : 'FAIL'} — recovery ${result.recoveryS.toFixed(1)} s, lost ${result.raw.lost}, ` +
      `duplicated ${result.raw.duplicated}, good records dead-lettered ${result.deadLetters.goodRecords}` +
      (offline ? `, offline rows ${offline.rows} (missing ${offline.missing}, lower ${offline.lower}, higher ${offline.higher}, extra ${offline.extra}, mixed ${offline.mixed})` : ''),
    ...result.violations.map((violation) => `  ✗ ${violation}`),
  ];
  return lines.join('\n');
}
