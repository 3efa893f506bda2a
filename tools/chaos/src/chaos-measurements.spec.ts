import { describe, expect, it } from 'vitest';
import { chaosMeasurements } from './chaos-measurements.js';
import type { ScenarioResult } from './run-scenario.js';

const clean = { rows: 10, referenceRows: 10, missing: 0, extra: 0, lower: 0, higher: 0, mixed: 0 };

const result: ScenarioResult = {
  scenario: 'kill-redis',
  fault: 'SIGKILL redis',
  faultAtS: 3,
  recoveryS: 12.34,
  publish: { exitCode: 0, signal: null, outputTail: '' },
  raw: { lost: 2, duplicated: 5, duplicatedFinal: 0, unexpected: 0, rows: 105, rowsFinal: 100 },
  missingOnValidated: 0,
  deadLetters: { records: 7, goodRecords: 7, goodIds: 3, reasons: { 'features.too_late': 7 } },
  features: { throughMs: 0, offline: { airport: { ...clean, lower: 4 }, route: { ...clean, missing: 1 } }, online: { airport: { ...clean, higher: 2 } } },
  extra: [],
  violations: ['…'],
};

describe('chaosMeasurements()', () => {
  it('names each number after its scenario, as chaos.json carries them', () => {
    const byName = Object.fromEntries(chaosMeasurements([result]).map((m) => [m.name, m.value]));
    expect(byName).toEqual({
      'kill-redis recovery s': 12.3,
      'kill-redis lost': 2,
      'kill-redis duplicated': 5,
      'kill-redis good records dead-lettered': 7,
      'kill-redis feature rows differing': 7,
    });
  });
});
