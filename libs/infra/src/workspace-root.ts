import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkspaceRootNotFoundError } from './errors.js';

/**
 * The Nx workspace this library belongs to: the nearest directory above
 * `from` (default: this module's own file) that holds nx.json. Found from the
 * code's location rather than the working directory, so `tributary infra`
 * uses the same `.tributary/` wherever it is run from.
 */
export function findWorkspaceRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new WorkspaceRootNotFoundError(from);
  }
}
