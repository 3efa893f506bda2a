/**
 * Runs one benchmark by name: `npm run bench -- kafka`. Each benchmark module
 * exports `run(): Promise<void>` and reports through `reportResults`.
 */
const benchmarks: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  drift: () => import('./drift.js'),
  explain: () => import('./explain.js'),
  'explain-fixtures': () => import('./explain-fixtures.js'),
  features: () => import('./features.js'),
  fuzz: () => import('./fuzz.js'),
  grpc: () => import('./grpc.js'),
  inference: () => import('./inference.js'),
  infra: () => import('./infra.js'),
  ingestion: () => import('./ingestion.js'),
  kafka: () => import('./kafka.js'),
  lag: () => import('./lag.js'),
  ml: () => import('./ml.js'),
  registry: () => import('./registry.js'),
  scoring: () => import('./scoring.js'),
  tracing: () => import('./tracing.js'),
  training: () => import('./training.js'),
};

const name = process.argv[2];
const load = name ? benchmarks[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|') || 'name'}>`);
  process.exit(2);
}
await (await load()).run();
