/**
 * One vitest configuration for the workspace: every folder of libs/, apps/ and
 * tools/ with a package.json is a test project named after its folder
 * (`vitest run --project kafka`). The `development` export condition resolves
 * workspace packages to their TypeScript sources, so tests need no prior build.
 * Integration specs (`*.int.spec.ts`) talk to the real servers of `tributary infra up`.
 *
 * Tests never touch the user's data: every test process, and every service or
 * command a test starts (they inherit the environment), runs in the namespace
 * `test` (`TRIBUTARY_NAMESPACE`, or `TRIBUTARY_TEST_NAMESPACE` to pick another),
 * so the topics, consumer groups, ClickHouse database, Redis keys and artifact
 * directories they use by default are not the ones `npm run demo` or a user's
 * services use. A namespace set for the user's own work is never the tests'.
 *
 * `TRIBUTARY_SECURE=1` (or `keep`, which leaves the servers running for the
 * next run) runs the same tests against the secure servers instead: see
 * vitest.secure-setup.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const conditions = ['development', 'node', 'import', 'default'];

/** The tests' namespace; see above. */
const testNamespace = process.env['TRIBUTARY_TEST_NAMESPACE']?.trim() || 'test';

/** Whether this run is against the secure servers; see above. */
const secure = ['1', 'true', 'keep'].includes(process.env['TRIBUTARY_SECURE']?.trim() ?? '');

const projects = ['libs', 'apps', 'tools']
  .flatMap((group) => (existsSync(group) ? readdirSync(group).map((name) => join(group, name)) : []))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({
    extends: true as const,
    test: { name: dir.split('/')[1] ?? dir, root: dir, include: ['src/**/*.spec.ts'] },
  }));

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    projects,
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: true,
    env: { TRIBUTARY_NAMESPACE: testNamespace },
    // Each project runs it; the first starts the servers, the others find them running.
    globalSetup: secure ? [join(import.meta.dirname, 'vitest.secure-setup.ts')] : [],
  },
});
