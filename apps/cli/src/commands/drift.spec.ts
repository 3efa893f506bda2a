import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DriftReportSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { driftReportLine, parseModelVersion } from './drift.js';

describe('driftReportLine()', () => {
  it('shows the window, the evidence and the version the report led to', () => {
    const report = create(DriftReportSchema, {
      reportId: 'r1',
      modelName: 'flight-delay',
      modelVersion: 2,
      revision: 1,
      sampleCount: 1900,
      window: { startTime: timestampFromMs(Date.UTC(2001, 5, 1)), endTime: timestampFromMs(Date.UTC(2001, 5, 29)) },
      performance: { labelledCount: 1800, auc: 0.7, observedPositiveShare: 0.223, predictedPositiveShare: 0.169 },
      driftShare: 0.1,
      alert: true,
      reasons: [{ rule: 'calibration_gap', value: 0.054, threshold: 0.04 }],
    });
    const line = driftReportLine(report, [{ requestId: 'q1', modelName: 'flight-delay', reportId: 'r1', trigger: 'drift', eventTimeMs: 0, requestedAtMs: 0, producedVersion: 4 }]);
    expect(line).toBe(
      '2001-06-01 00:00 → 2001-06-29 00:00  flight-delay@2 r1  1900 predictions, auc 0.700, late 0.223 vs predicted 0.169 (1800 outcomes), drift share 0.10  ALARM calibration_gap 0.054 ≥ 0.04  → request q1 → version 4',
    );
  });
});

describe('parseModelVersion()', () => {
  it('reads model@version and refuses anything else', () => {
    expect(parseModelVersion('flight-delay@12')).toEqual({ modelName: 'flight-delay', version: 12 });
    expect(() => parseModelVersion('flight-delay')).toThrow(/<model>@<version>/);
  });
});
