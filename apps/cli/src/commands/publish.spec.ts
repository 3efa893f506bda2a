import { describe, expect, it } from 'vitest';
import { resumeCommand } from './publish.js';

describe('resumeCommand()', () => {
  it('repeats the arguments with --skip set to what was acknowledged', () => {
    expect(resumeCommand(['publish', '--from', '2001-02-01', '--rate', '5000'], 16_000)).toBe('tributary publish --from 2001-02-01 --rate 5000 --skip 16000');
  });

  it('replaces the --skip of a run that was itself resumed', () => {
    expect(resumeCommand(['publish', '--skip', '1000', '--flights', '9000'], 4000)).toBe('tributary publish --flights 9000 --skip 4000');
    expect(resumeCommand(['publish', '--skip=1000'], 4000)).toBe('tributary publish --skip 4000');
  });

  it('quotes an argument the shell would split', () => {
    expect(resumeCommand(['publish', '--topic', "it's raw"], 1)).toBe(`tributary publish --topic 'it'\\''s raw' --skip 1`);
  });
});
