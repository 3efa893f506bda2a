/**
 * Fuzz benchmark: every `*.fuzz.spec.ts` and `*.fuzz.int.spec.ts` (edges
 * on real servers) of the workspace (libs, apps, tools) run by vitest with
 * `FUZZ_RUNS` generated inputs per edge — 100 000
 * unless `BENCH_FUZZ_RUNS` says otherwise — each edge appending its report
 * (`@tributary/fuzz`) to a file this benchmark reads: `<edge> inputs` and
 * `<edge> crashes` (target 0) per edge, plus the seconds each took. The specs
 * run as they do in `npm test`, against the same in-process servers, so a new
 * edge is counted as soon as its spec exists. The failures of an edge that
 * crashed are printed with the seed that replays them.
 *
 * `BENCH_FUZZ_SECONDS_PER_EDGE` caps each edge's time (`FUZZ_TIME_LIMIT_S`):
 * on a loaded machine an edge may then report fewer inputs than asked, and
 * says so. Arguments after `fuzz` keep only the spec files whose path
 * contains one of them (`npm run bench -- fuzz registry`); the edges not run
 * keep their last results in `bench-results/fuzz.json`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzReport } from '@tributary/fuzz';
import { reportResults, type Measurement } from './results.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DEFAULT_RUNS = 100_000;

/** The fuzz spec files under libs/, apps/ and tools/, skipping dependencies and builds. */
async function fuzzSpecs(): Promise<string[]> {
  const found: string[] = [];
  async function walk(directory: string): Promise<void> {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.fuzz(\.int)?\.spec\.ts$/.test(entry.name)) found.push(relative(root, path));
    }
  }
  for (const group of ['libs', 'apps', 'tools']) await walk(join(root, group));
  return found.sort();
}

export async function run(): Promise<void> {
  const runs = Number(process.env['BENCH_FUZZ_RUNS']?.trim() || DEFAULT_RUNS);
  const secondsPerEdge = process.env['BENCH_FUZZ_SECONDS_PER_EDGE']?.trim();
  const filters = process.argv.slice(3);
  const specs = (await fuzzSpecs()).filter((spec) => filters.length === 0 || filters.some((filter) => spec.includes(filter)));
  const directory = await mkdtemp(join(tmpdir(), 'bench-fuzz-'));
  const reportFile = join(directory, 'reports.jsonl');
  try {
    console.log(`${specs.length} fuzz specs, ${runs} inputs per edge:\n  ${specs.join('\n  ')}`);
    // One file at a time: each edge gets the machine to itself, and a slow edge does not starve the others' servers.
    const vitest = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--no-file-parallelism', '--testTimeout', String(24 * 3_600_000), ...specs], {
      cwd: root,
      env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_REPORT: reportFile, ...(secondsPerEdge ? { FUZZ_TIME_LIMIT_S: secondsPerEdge } : {}) },
      stdio: 'inherit',
    });
    const [exitCode] = (await once(vitest, 'exit')) as [number | null];
    const reports = (await readFile(reportFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as FuzzReport);
    const measurements: Measurement[] = reports.flatMap((r) => [
      { name: `${r.edge} inputs`, value: r.inputs, unit: 'inputs', target: `≥ ${runs}` },
      { name: `${r.edge} crashes`, value: r.crashes, unit: 'inputs', target: '= 0' },
      { name: `${r.edge} seconds`, value: r.seconds, unit: 's' },
    ]);
    for (const r of reports.filter((report) => report.crashes > 0)) {
      console.log(`\n${r.edge}: ${r.crashes} crashes (FUZZ_SEED=${r.seed} replays them)`);
      for (const f of r.failures) console.log(`  ${f.error}\n    input: ${f.input}`);
    }
    reportResults('fuzz', [...earlierResults(new Set(reports.map((r) => r.edge))), ...measurements]);
    if (exitCode !== 0) console.log(`vitest exited with ${exitCode}: an edge crashed or a spec failed; see above`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The last run's measurements of the edges not run this time (when the specs were filtered). */
function earlierResults(edgesRun: ReadonlySet<string>): Measurement[] {
  const file = join(root, 'bench-results', 'fuzz.json');
  if (process.argv.length <= 3 || !existsSync(file)) return [];
  const { measurements } = JSON.parse(readFileSync(file, 'utf8')) as { measurements: Measurement[] };
  return measurements.filter((m) => !edgesRun.has(m.name.replace(/ (inputs|crashes|seconds)$/, '')));
}
