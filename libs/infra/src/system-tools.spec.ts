import { describe, expect, it } from 'vitest';
import { createSystemTools, findExecutable, parseJavaMajor } from './system-tools.js';

describe('parseJavaMajor()', () => {
  it('reads both version schemes of java -version', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajor('command not found')).toBeUndefined();
  });
});

describe('findExecutable()', () => {
  it('finds a program on the PATH and nothing that is not there', async () => {
    expect(await findExecutable('sh')).toMatch(/\/sh$/);
    expect(await findExecutable('sh', { PATH: '' })).toBeUndefined();
  });
});

describe('createSystemTools()', () => {
  it('says what to install when a program is missing and cannot be installed', async () => {
    // With an empty PATH neither redis-server nor apt-get is found, so nothing is installed.
    const tools = createSystemTools({ env: { PATH: '' } });
    await expect(tools.redisServer()).rejects.toThrow(/apt-get install -y redis-server/);
  });
});
