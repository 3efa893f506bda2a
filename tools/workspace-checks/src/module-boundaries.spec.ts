/**
 * The workspace's module boundaries, as the lint configuration states them:
 * libraries depend only on libraries, apps never on each other. Lints probe
 * files that break them, with the real rule and its real constraints.
 */
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const boundaryRule = '@nx/enforce-module-boundaries';

/** The boundary rule and its options exactly as eslint.config.mjs sets them. */
async function workspaceBoundaryRule(): Promise<Linter.RuleEntry> {
  const { default: configs } = (await import(`${root}eslint.config.mjs`)) as { default: Linter.Config[] };
  const entry = configs.find((config) => config.rules?.[boundaryRule])?.rules?.[boundaryRule];
  if (!entry) throw new Error(`eslint.config.mjs does not set ${boundaryRule}`);
  return entry;
}

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const { default: nx } = await import('@nx/eslint-plugin');
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@nx': nx as unknown as ESLint.Plugin },
        rules: { [boundaryRule]: await workspaceBoundaryRule() },
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === boundaryRule).map((m) => m.message);
}

describe('module boundaries', () => {
  it('refuse a library importing an app', async () => {
    // An app that depends on nothing the library feeds, so the import is refused for its tag, not for a cycle.
    const errors = await boundaryErrors('libs/flights/src/probe.ts', "import '@tributary/registry';\n");
    expect(errors.join('\n')).toMatch(/tagged with "type:lib" can only depend on libs tagged with "type:lib"/);
  });

  it('refuse an app importing another app', async () => {
    const errors = await boundaryErrors('apps/inference/src/probe.ts', "import '@tributary/registry';\n");
    expect(errors.join('\n')).toMatch(/tagged with "type:app" can only depend on libs tagged with "type:lib"/);
  });

  it('allow an app importing a library', async () => {
    expect(await boundaryErrors('apps/inference/src/probe.ts', "import { Code } from '@tributary/errors';\nexport const code = Code.Internal;\n")).toEqual([]);
  });
});
