import { describe, expect, it } from 'vitest';
import { UnknownScenarioError } from './errors.js';
import { chaosScenarios, selectScenarios } from './scenarios.js';

describe('selectScenarios()', () => {
  it('runs every scenario but the sabotage by default', () => {
    const names = selectScenarios([]).map((s) => s.name);
    expect(names).toEqual(chaosScenarios.filter((s) => !s.sabotage).map((s) => s.name));
    expect(names).not.toContain('sabotage-commit-before-write');
    expect(names).toEqual(expect.arrayContaining(['kill-ingestion', 'kill-feature-pipeline', 'pause-publisher', 'kill-kafka', 'kill-redis', 'kill-clickhouse']));
  });

  it('picks the named ones in catalogue order, the sabotage included when asked', () => {
    expect(selectScenarios(['sabotage-commit-before-write', 'kill-redis']).map((s) => s.name)).toEqual(['kill-redis', 'sabotage-commit-before-write']);
  });

  it('scales ingestion and the feature pipeline out to two instances in the scale-out scenarios, and keeps one elsewhere', () => {
    expect(selectScenarios(['scale-out-join', 'scale-out-kill']).map((s) => s.instances)).toEqual([2, 2]);
    expect(selectScenarios(['kill-ingestion'])[0]?.instances ?? 1).toBe(1);
  });

    it('refuses a name it does not know, listing the known ones', () => {
    expect(() => selectScenarios(['kill-everything'])).toThrow(UnknownScenarioError);
    expect(() => selectScenarios(['kill-everything'])).toThrow(/kill-ingestion/);
  });
});
