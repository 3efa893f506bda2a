import { readFileSync } from 'node:fs';
import { PackageVersionError } from './errors.js';

/**
 * The `version` of the package a module belongs to: that of the nearest
 * `package.json` above the module's file. Call it with `import.meta.url`; it
 * gives the same answer from `src/` (tests, tsx) and from the build in `dist/`.
 */
export function packageVersion(moduleUrl: string | URL): string {
  for (let directory = new URL('./', moduleUrl); ; ) {
    const manifestUrl = new URL('package.json', directory);
    let text: string;
    try {
      text = readFileSync(manifestUrl, 'utf8');
    } catch (reason) {
      if ((reason as NodeJS.ErrnoException).code !== 'ENOENT') throw new PackageVersionError(String(moduleUrl), (reason as Error).message, reason);
      const parent = new URL('../', directory);
      if (parent.href === directory.href) throw new PackageVersionError(String(moduleUrl), 'no package.json above it');
      directory = parent;
      continue;
    }
    const { version } = JSON.parse(text) as { version?: unknown };
    if (typeof version !== 'string' || version === '') throw new PackageVersionError(String(moduleUrl), `${manifestUrl.pathname} has no version`);
    return version;
  }
}
