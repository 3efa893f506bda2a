import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PackageVersionError, packageVersion } from './index.js';

describe('packageVersion()', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  function packageWith(manifest: unknown): string {
    const root = mkdtempSync(join(tmpdir(), 'package-version-'));
    made.push(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify(manifest));
    mkdirSync(join(root, 'dist', 'deep'), { recursive: true });
    return root;
  }

  it('reads the version of the runtime package itself', () => {
    expect(packageVersion(import.meta.url)).toBe('0.1.0');
  });

  it('finds the nearest package.json above a module however deep it sits', () => {
    const root = packageWith({ name: 'svc', version: '4.5.6' });
    expect(packageVersion(pathToFileURL(join(root, 'dist', 'deep', 'main.js')))).toBe('4.5.6');
    expect(packageVersion(pathToFileURL(join(root, 'main.js')))).toBe('4.5.6');
  });

  it('refuses a package.json without a version', () => {
    const root = packageWith({ name: 'svc' });
    expect(() => packageVersion(pathToFileURL(join(root, 'dist', 'main.js')))).toThrow(PackageVersionError);
  });
});
