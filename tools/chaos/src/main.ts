/**
 * `npm run chaos -- [--scenario <name>]… [--seed <n>] [--from <time>] [--to <time>]
 * [--rate <events/s>] [--pause-s <s>] [--down-s <s>] [--keep-data] [--out <dir>] [--list]`:
 * runs the chaos scenarios (all but the test-only sabotage by default) on a
 * private stack, prints each verdict and writes <out>/chaos.json (default bench-results).
 * Exits 1 when any invariant broke.
 */
import { parseArgs } from 'node:util';
import { chaosMeasurements, writeChaosResults } from './chaos-measurements.js';
import { defaultSlice, runChaosSuite } from './chaos-suite.js';
import { sliceTimeMs } from './flight-slice.js';
import { chaosScenarios, selectScenarios } from './scenarios.js';

const usage = `usage: npm run chaos -- [--scenario <name>[,<name>…]]… [--seed <n>] [--from <time>] [--to <time>]
  [--rate <events/s>] [--pause-s <s>] [--down-s <s>] [--keep-data] [--out <dir>] [--list] [--help]
(tools/chaos/README.md says what each scenario does and checks)`;

const { values } = parseOptions();

function parseOptions() {
  try {
    return parseArgs({
      options: {
        scenario: { type: 'string', multiple: true, default: [] },
        seed: { type: 'string' },
        from: { type: 'string', default: defaultSlice.from },
        to: { type: 'string', default: defaultSlice.to },
        rate: { type: 'string', default: '2000' },
        'pause-s': { type: 'string', default: '45' },
        'down-s': { type: 'string', default: '10' },
        'keep-data': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        out: { type: 'string', default: 'bench-results' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a number > 0, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

if (values.list) {
  for (const scenario of chaosScenarios) console.log(`${scenario.name.padEnd(32)} ${scenario.description}`);
  process.exit(0);
}

let scenarios: ReturnType<typeof selectScenarios>;
try {
  scenarios = selectScenarios(values.scenario.flatMap((names) => names.split(',')).filter(Boolean));
  sliceTimeMs(values.from);
  sliceTimeMs(values.to);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const seed = values.seed === undefined ? undefined : Math.trunc(positive('seed', values.seed));
const suite = await runChaosSuite({
  scenarios,
  slice: { from: values.from, to: values.to },
  ...(seed === undefined ? {} : { seed }),
  eventsPerSecond: positive('rate', values.rate),
  pauseMs: positive('pause-s', values['pause-s']) * 1000,
  serverDownMs: positive('down-s', values['down-s']) * 1000,
  keepData: values['keep-data'],
});

const measurements = chaosMeasurements(suite.results);
console.log('\nchaos');
for (const m of measurements) console.log(`  ${m.name.padEnd(56)} ${String(m.value).padStart(10)} ${m.unit.padEnd(8)} ${m.target ? `target ${m.target}` : ''}`);
for (const failure of suite.failures) console.log(`  ${failure.scenario}: did not finish: ${failure.error}`);
const file = writeChaosResults(measurements, { seed: suite.seed, slice: suite.slice, passed: suite.passed, failures: suite.failures }, values.out);
console.log(`  → ${file}\n${suite.passed ? 'every invariant held' : 'invariants broken (see above)'}; seed ${suite.seed}`);
process.exitCode = suite.passed ? 0 : 1;
