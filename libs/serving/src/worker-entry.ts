import type { WorkerOptions } from 'node:worker_threads';

/**
 * How to start the worker thread whose entry module is `name` (without
 * extension) beside this file: the built `.js`, or, when this file runs from
 * its TypeScript source (tests, `development` condition), the `.ts` entry
 * through tsx, whose loader is registered inside the worker as Node 20 does
 * not pass it on.
 */
export function workerEntry(name: string): { readonly filename: string | URL; readonly options: WorkerOptions } {
  if (!import.meta.url.endsWith('.ts')) return { filename: new URL(`./${name}.js`, import.meta.url), options: {} };
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL(`./${name}.ts`, import.meta.url).href);
  return {
    filename: `import(${tsx}).then(({ register }) => { register(); return import(${entry}); });`,
    options: { eval: true, execArgv: ['--conditions=development'] },
  };
}
