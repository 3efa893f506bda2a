/**
 * The drift-monitor service: watches predictions.logged for drift against reference profiles; at this stage it serves health and metrics only.
 * Configuration from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { createRequire } from 'node:module';
import { serviceBaseEnv } from '@tributary/config';
import { runService, startServiceHost } from '@tributary/runtime';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

await runService({
  name: 'drift-monitor',
  summary: 'watches predictions.logged for drift against reference profiles; at this stage it serves health and metrics only',
  schema: serviceBaseEnv({ grpcPort: 50_056, opsPort: 9469 }),
  start: (context) => startServiceHost({ ...context, name: 'drift-monitor', version }),
});
