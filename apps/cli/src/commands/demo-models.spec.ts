import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ModelVersionSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { formatEarlierRun, formatModelVersions } from './demo-models.js';

const lineage = (parentVersion: number) => ({
  trainingWindow: { startTime: timestampFromMs(Date.UTC(2001, 4, 2)), endTime: timestampFromMs(Date.UTC(2001, 4, 11, 19, 12)) },
  trainingRowCount: 20_869,
  parentVersion,
});
const holdout = { holdout_auc: 0.7212, holdout_log_loss: 0.4181, holdout_brier: 0.1291, holdout_calibration_error: 0.0321, holdout_positive_rate: 0.175, holdout_rows: 5000 };
const champion = { champion_holdout_auc: 0.7033, champion_holdout_log_loss: 0.43, champion_holdout_brier: 0.1318, champion_holdout_calibration_error: 0.0368, champion_holdout_positive_rate: 0.175, champion_holdout_rows: 5000 };

describe('formatEarlierRun()', () => {
  it('tells a run in a namespace an earlier run used what it will miss, and the namespace to run in for the whole story', () => {
    const versions = [1, 2, 3, 4].map((version) => create(ModelVersionSchema, { version, aliases: version === 4 ? ['champion'] : [] }));
    const lines = formatEarlierRun(versions, 'flight-delay', undefined);
    expect(lines[0]).toBe('This namespace holds an earlier demo run (flight-delay v1–v4, champion v4), so this run tells a shorter story:');
    expect(lines.join('\n')).toMatch(/duplicates.*declared defaults.*reported already/s);
    expect(lines.at(-1)).toBe('  For the whole story, a namespace of its own: TRIBUTARY_NAMESPACE=demo2 npm run demo');
    expect(formatEarlierRun(versions, 'flight-delay', 'mine').at(-1)).toContain('TRIBUTARY_NAMESPACE=mine2 npm run demo');
  });

  it('says nothing in a fresh namespace', () => {
    expect(formatEarlierRun([], 'flight-delay', undefined)).toEqual([]);
  });
});

describe('formatModelVersions()', () => {
  it('shows each version with role, aliases, training window and rows, holdout metrics, the promotion decision of a primary and the drift report it was trained for', () => {
    const lines = formatModelVersions([
      create(ModelVersionSchema, { version: 3, modelType: 'logistic_regression', tags: { role: 'fallback' }, metrics: { ...holdout, ...champion }, lineage: lineage(2) }),
      create(ModelVersionSchema, {
        version: 4,
        modelType: 'gbdt',
        aliases: ['champion', 'challenger'],
        tags: { role: 'primary', drift_report_id: '21ff750b-9a91-5f41-a053-dacc3d0cf7f2' },
        metrics: { ...holdout, ...champion },
        lineage: lineage(2),
      }),
    ]);
    expect(lines).toEqual([
      '  v3 fallback logistic_regression: trained on 2001-05-02 00:00 → 05-11 19:12 (20,869 rows)',
      '      holdout AUC 0.7212  log loss 0.4181  Brier 0.1291  calibration error 0.0321  late share 0.175',
      '  v4 primary gbdt  [champion, challenger]: trained on 2001-05-02 00:00 → 05-11 19:12 (20,869 rows)',
      '      holdout AUC 0.7212  log loss 0.4181  Brier 0.1291  calibration error 0.0321  late share 0.175',
      '      promoted: better than the champion (vs champion v2: AUC 0.7212 vs 0.7033, Brier 0.1291 vs 0.1318, calibration error 0.0321 vs 0.0368)',
      '      trained for drift report 21ff750b-9a91-5f41-a053-dacc3d0cf7f2',
    ]);
  });

  it('says why a primary that does not beat the champion on the same holdout stays challenger', () => {
    const [, , decision] = formatModelVersions([
      create(ModelVersionSchema, { version: 6, modelType: 'gbdt', tags: { role: 'primary' }, metrics: { ...holdout, holdout_auc: 0.7, ...champion }, lineage: lineage(4) }),
    ]);
    expect(decision).toBe('      not promoted: AUC gain -0.0033 < 0.001 (vs champion v4: AUC 0.7000 vs 0.7033, Brier 0.1291 vs 0.1318, calibration error 0.0321 vs 0.0368)');
  });

  it('shows why the primary serves and never reports as promoted a primary worse than its own fallback', () => {
    const lines = formatModelVersions([
      create(ModelVersionSchema, { version: 7, modelType: 'logistic_regression', tags: { role: 'fallback' }, metrics: { ...holdout, holdout_auc: 0.73 }, lineage: lineage(4) }),
      create(ModelVersionSchema, {
        version: 8,
        modelType: 'gbdt',
        tags: { role: 'primary', fallback_version: '7', primary_choice: "gbdt serves: holdout AUC 0.7212, logistic_regression's 0.7300" },
        metrics: { ...holdout, ...champion },
        lineage: lineage(4),
      }),
    ]);
    expect(lines.slice(4)).toEqual([
      "      gbdt serves: holdout AUC 0.7212, logistic_regression's 0.7300",
      '      not promoted: worse than its own fallback: holdout AUC 0.7212 < 0.7300',
    ]);
  });
});
