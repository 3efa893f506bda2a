/**
 * One vitest configuration for the workspace: every folder of libs/, apps/ and
 * tools/ with a package.json is a test project named after its folder
 * (`vitest run --project kafka`). The `development` export condition resolves
 * workspace packages to their TypeScript sources, so tests need no prior build.
 * Integration specs (`*.int.spec.ts`) talk to the real servers of `tributary infra up`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const conditions = ['development', 'node', 'import', 'default'];

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
  },
});
