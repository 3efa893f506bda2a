/**
 * The ingestion service: consumes `events.raw` (and serves gRPC `Ingest`),
 * validates and deduplicates, writes `events.validated` and ClickHouse,
 * sends rejects to `events.dlq`. Configuration: `--help`, or the README.
 */
import { runService } from '@tributary/runtime';
import { ingestionConfigSchema } from './config.js';
import { startIngestion } from './start-ingestion.js';

await runService({
  name: 'ingestion',
  summary: 'validates and deduplicates events.raw into events.validated and ClickHouse; rejects go to events.dlq',
  schema: ingestionConfigSchema,
  start: startIngestion,
});
