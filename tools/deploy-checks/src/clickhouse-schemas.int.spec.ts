import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseSchemaFiles, generateClickHouseSchemas, schemaStatements } from './clickhouse-schemas.js';

const client = createClient({ url: process.env['CLICKHOUSE_URL']?.trim() || 'http://127.0.0.1:8123' });
const committed = async () => ({
  singleNode: await readFile(clickhouseSchemaFiles.singleNode, 'utf8'),
  cluster: await readFile(clickhouseSchemaFiles.cluster, 'utf8'),
});
const formatted = async (statement: string) =>
  (await (await client.query({ query: 'SELECT formatQuery({statement:String}) AS text', query_params: { statement }, format: 'JSONEachRow' })).json<{ text: string }>())[0]?.text;

afterAll(() => client.close());

describe('deploy/clickhouse', () => {
  it('holds what the stores create today: regenerating gives the committed files', async () => {
    expect(await generateClickHouseSchemas({ client })).toEqual(await committed());
  });

  it('has only statements the server parses, ON CLUSTER and Replicated engines included', async () => {
    const { singleNode, cluster } = await committed();
    const statements = [...schemaStatements(singleNode), ...schemaStatements(cluster)];
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      await expect(formatted(statement), statement).resolves.toMatch(/^CREATE /);
    }
    expect(schemaStatements(cluster).filter((statement) => /ENGINE = Distributed\(/.test(statement))).toHaveLength(
      schemaStatements(cluster).filter((statement) => /ENGINE = Replicated\w*MergeTree\(/.test(statement)).length,
    );
  });

  it('applies as a single-node schema: every table and view the stores read is created', async () => {
    const database = `schema_apply_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const { singleNode } = await committed();
    try {
      for (const statement of schemaStatements(singleNode)) await client.command({ query: statement.replaceAll('tributary', database) });
      const tables = await (
        await client.query({ query: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', query_params: { db: database }, format: 'JSONEachRow' })
      ).json<{ name: string }>();
      expect(tables.map(({ name }) => name)).toEqual(
        schemaStatements(singleNode)
          .flatMap((statement) => /^CREATE (?:TABLE|VIEW) IF NOT EXISTS tributary\.(\w+)/.exec(statement)?.[1] ?? [])
          .sort(),
      );
    } finally {
      await client.command({ query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: database } });
    }
  });
});
