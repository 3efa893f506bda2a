import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceRootNotFoundError, findWorkspaceRoot } from './index.js';

describe('findWorkspaceRoot()', () => {
  it('finds the nearest directory above the file that holds nx.json', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'workspace-')));
    writeFileSync(join(root, 'nx.json'), '{}');
    mkdirSync(join(root, 'libs', 'infra', 'dist'), { recursive: true });
    expect(findWorkspaceRoot(join(root, 'libs', 'infra', 'dist', 'index.js'))).toBe(root);
  });

  it('fails with a hint about TRIBUTARY_HOME when there is none', () => {
    const outside = mkdtempSync(join(tmpdir(), 'no-workspace-'));
    expect(() => findWorkspaceRoot(join(outside, 'index.js'))).toThrow(WorkspaceRootNotFoundError);
    expect(() => findWorkspaceRoot(join(outside, 'index.js'))).toThrow(/TRIBUTARY_HOME/);
  });
});
