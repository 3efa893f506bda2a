import { describe, expect, it } from 'vitest';
import { clickhouseRoleOf, grantStatements, isGrantStatement } from './clickhouse-grants.js';

const tables = ['events_raw', 'features_airport', 'drift_reports', 'batch_score_rows'].map((name) => ({ name, view: false }));
const grantsOf = (statements: readonly string[], role: string) => statements.filter((statement) => statement.endsWith(` TO ${role}`));

describe('grantStatements()', () => {
  it("gives each service a role with its own tables only, and no CREATE", () => {
    const statements = grantStatements(tables, { database: 'tributary' });

    expect(grantsOf(statements, clickhouseRoleOf('ingestion'))).toEqual(['GRANT SELECT, INSERT, ALTER DELETE ON tributary.events_raw TO tributary_ingestion']);
    expect(grantsOf(statements, 'tributary_feature_pipeline')).toEqual([
      'GRANT SELECT ON tributary.events_raw TO tributary_feature_pipeline',
      'GRANT SELECT, INSERT, ALTER DELETE ON tributary.features_airport TO tributary_feature_pipeline',
    ]);
    expect(grantsOf(statements, 'tributary_trainer')).toEqual([
      'GRANT SELECT ON tributary.events_raw TO tributary_trainer',
      'GRANT SELECT ON tributary.features_airport TO tributary_trainer',
      // Its training set stages the labels in a temporary table of its session.
      'GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_trainer',
      'GRANT TABLE ENGINE ON Memory TO tributary_trainer',
    ]);
    // `tributary score`: the operator reads everything and writes batch scoring's tables; its feature read stages in a temporary table too.
    expect(grantsOf(statements, 'tributary_operator')).toEqual([
      'GRANT SELECT, INSERT, ALTER DELETE ON tributary.batch_score_rows TO tributary_operator',
      'GRANT SELECT ON tributary.drift_reports TO tributary_operator',
      'GRANT SELECT ON tributary.events_raw TO tributary_operator',
      'GRANT SELECT ON tributary.features_airport TO tributary_operator',
      'GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_operator',
      'GRANT TABLE ENGINE ON Memory TO tributary_operator',
    ]);
    // The registry and inference use no ClickHouse: no role at all.
    expect(statements.some((statement) => /tributary_(registry|inference)\b/.test(statement))).toBe(false);
    expect(statements.filter((statement) => /\bCREATE\b/.test(statement.replace(/^(?:--.*\n)*CREATE ROLE /, '')))).toEqual([
      'GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_trainer',
      'GRANT CREATE TEMPORARY TABLE ON *.* TO tributary_operator',
    ]);
    expect(statements.every(isGrantStatement)).toBe(true);
  });

  it('grants on the cluster the Distributed table and its _local table alike, a view once', () => {
    const statements = grantStatements([...tables, { name: 'batch_scores', view: true }], { database: 'tributary', cluster: 'tributary' });

    expect(statements).toContain('-- ingestion: its user is made with DEFAULT ROLE tributary_ingestion\nCREATE ROLE IF NOT EXISTS tributary_ingestion ON CLUSTER tributary');
    expect(grantsOf(statements, 'tributary_ingestion')).toEqual([
      'GRANT ON CLUSTER tributary SELECT, INSERT, ALTER DELETE ON tributary.events_raw TO tributary_ingestion',
      'GRANT ON CLUSTER tributary SELECT, INSERT, ALTER DELETE ON tributary.events_raw_local TO tributary_ingestion',
    ]);
    expect(grantsOf(statements, 'tributary_operator').filter((statement) => statement.includes('batch_scores'))).toEqual([
      'GRANT ON CLUSTER tributary SELECT ON tributary.batch_scores TO tributary_operator',
    ]);
  });
});
