import { describe, expect, it } from 'vitest';
import { CommandFailedError } from './errors.js';
import { lastLines, runCommand } from './run-command.js';

describe('runCommand()', () => {
  it('returns what the command printed on both streams', async () => {
    const output = await runCommand('sh', ['-c', 'echo out; echo err >&2'], { env: { EXTRA: 'x' } });
    expect(output.split('\n').sort()).toEqual(['', 'err', 'out']);
  });

  it('fails with the exit code and the last lines of output', async () => {
    const failure = runCommand('sh', ['-c', 'for i in 1 2 3 4; do echo line $i; done; exit 3'], { tailLines: 2 });
    await expect(failure).rejects.toBeInstanceOf(CommandFailedError);
    await expect(failure).rejects.toMatchObject({ exitCode: 3, outputTail: 'line 3\nline 4' });
  });

  it('fails clearly when the program does not exist', async () => {
    await expect(runCommand('tributary-no-such-program', [])).rejects.toMatchObject({ exitCode: null, outputTail: expect.stringContaining('ENOENT') });
  });
});

describe('lastLines()', () => {
  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });
});
