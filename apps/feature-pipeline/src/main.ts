/**
 * The feature-pipeline service: maintains windowed features in Redis and ClickHouse from events.validated; at this stage it serves health and metrics only.
 * Configuration from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { createRequire } from 'node:module';
import { serviceBaseEnv } from '@tributary/config';
import { runService, startServiceHost } from '@tributary/runtime';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

await runService({
  name: 'feature-pipeline',
  summary: 'maintains windowed features in Redis and ClickHouse from events.validated; at this stage it serves health and metrics only',
  schema: serviceBaseEnv({ grpcPort: 50_053, opsPort: 9466 }),
  start: (context) => startServiceHost({ ...context, name: 'feature-pipeline', version }),
});
