/**
 * Regenerates deploy/clickhouse/*.sql from the stores' own schemas on the
 * ClickHouse at `CLICKHOUSE_URL` (default the local server; `CLICKHOUSE_USER`
 * and `CLICKHOUSE_PASSWORD` if it needs them). It creates and drops one
 * scratch database there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createClickHouseConnection } from '@tributary/runtime';
import { clickhouseSchemaFiles, generateClickHouseSchemas } from './clickhouse-schemas.js';

const env = (name: string) => process.env[name]?.trim() || undefined;
const client = createClickHouseConnection({
  url: env('CLICKHOUSE_URL') ?? 'http://127.0.0.1:8123',
  user: env('CLICKHOUSE_USER') ?? 'default',
  password: env('CLICKHOUSE_PASSWORD'),
});
try {
  const schemas = await generateClickHouseSchemas({ client });
  await mkdir(dirname(clickhouseSchemaFiles.singleNode), { recursive: true });
  await writeFile(clickhouseSchemaFiles.singleNode, schemas.singleNode);
  await writeFile(clickhouseSchemaFiles.cluster, schemas.cluster);
  process.stdout.write(`wrote ${clickhouseSchemaFiles.singleNode} and ${clickhouseSchemaFiles.cluster}\n`);
} finally {
  await client.close();
}
