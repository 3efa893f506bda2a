import {
  EmptyScoringWindowError,
  InvalidFlightsFileError,
  InvalidScoringWindowError,
  ModelFeatureMismatchError,
  ModelVersionNotFoundError,
  ScoringJobMismatchError,
  ScoringStoreError,
  type ScoringResult,
} from '@tributary/scoring';
import { describe, expect, it } from 'vitest';
import { SCORE_EXIT_CODES, exitCodeOf, formatScoreSummary } from './score.js';
import { formatProgressLine } from './score-progress.js';

const result: ScoringResult = {
  jobId: 'flight-delay-v2-0123456789ab',
  modelName: 'flight-delay',
  modelVersion: 2,
  status: 'complete',
  alreadyComplete: false,
  totalRows: 48_000,
  doneRows: 48_000,
  scoredRows: 30_000,
  resumedRows: 18_000,
  repairedRows: 0,
  elapsedMs: 12_000,
  rowsPerSecond: 2_500,
  stageMs: { features: 4_000, model: 9_000, write: 500 },
};

describe('exitCodeOf()', () => {
  it('gives each kind of bad input its own code and anything else 1', () => {
    expect(exitCodeOf(new InvalidScoringWindowError(2, 1))).toBe(SCORE_EXIT_CODES.invalidArguments);
    expect(exitCodeOf(new ScoringJobMismatchError('j', 'reads another source'))).toBe(SCORE_EXIT_CODES.invalidArguments);
    expect(exitCodeOf(new ModelVersionNotFoundError('m@9', 'version 9 does not exist'))).toBe(SCORE_EXIT_CODES.modelNotFound);
    expect(exitCodeOf(new ModelFeatureMismatchError('m@1', 'input 0 differs'))).toBe(SCORE_EXIT_CODES.modelNotFound);
    expect(exitCodeOf(new EmptyScoringWindowError('db.events_raw [a, b)'))).toBe(SCORE_EXIT_CODES.emptyWindow);
    expect(exitCodeOf(new InvalidFlightsFileError('f.parquet', 'not Parquet'))).toBe(SCORE_EXIT_CODES.unreadableFile);
    expect(exitCodeOf(new ScoringStoreError('writing chunk 3', new Error('ECONNREFUSED')))).toBe(SCORE_EXIT_CODES.failed);
    expect(exitCodeOf(new Error('anything'))).toBe(SCORE_EXIT_CODES.failed);
  });
});

describe('formatScoreSummary()', () => {
  it('reports a completed run with its rate, what earlier runs wrote, and how to read the scores', () => {
    expect(formatScoreSummary({ ...result, repairedRows: 40 }, 'tributary')).toEqual([
      'job flight-delay-v2-0123456789ab complete: 48,000 rows, 30,000 scored by this run in 12.0 s — 2,500 rows/s',
      '  busy reading features 4.0 s, running the model 9.0 s, writing 0.5 s (overlapping)',
      '  resumed: 18,000 rows were written by an earlier run',
      '  40 rows of a chunk whose write was cut short were removed and scored again',
      "read them with: SELECT * FROM tributary.batch_scores WHERE job_id = 'flight-delay-v2-0123456789ab'",
    ]);
  });

  it('says how to resume a stopped run, and that a complete job is not scored again', () => {
    expect(formatScoreSummary({ ...result, status: 'stopped', doneRows: 20_000 }, 'tributary')).toEqual([
      'job flight-delay-v2-0123456789ab stopped at 20,000 of 48,000 rows; run the same command to resume it',
    ]);
    expect(formatScoreSummary({ ...result, alreadyComplete: true, scoredRows: 0 }, 'ns_tributary')[0]).toBe(
      'job flight-delay-v2-0123456789ab was complete before: 48,000 rows; nothing scored again',
    );
  });
});

describe('formatProgressLine()', () => {
  it('counts all rows written, and the rate of this run’s rows', () => {
    expect(formatProgressLine({ jobId: 'j', totalRows: 2_716, doneRows: 1_200, scoredRows: 850, elapsedMs: 1_000 })).toBe('1,200 / 2,716 rows (44%), 850 rows/s');
  });
});
