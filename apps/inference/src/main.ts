/**
 * The inference service: predictions over gRPC, KServe v2 and REST; at this stage it serves health and metrics only.
 * Configuration from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { createRequire } from 'node:module';
import { serviceBaseEnv } from '@tributary/config';
import { runService, startServiceHost } from '@tributary/runtime';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

await runService({
  name: 'inference',
  summary: 'predictions over gRPC, KServe v2 and REST; at this stage it serves health and metrics only',
  schema: serviceBaseEnv({ grpcPort: 50_055, opsPort: 9468 }),
  start: (context) => startServiceHost({ ...context, name: 'inference', version }),
});
