import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (this file is tools/deploy-checks/src/workspace.ts, or its build in dist/). */
export const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A path inside the repository. */
export function fromRoot(...segments: string[]): string {
  return join(workspaceRoot, ...segments);
}
