/**
 * The registry service: `node apps/registry/dist/main.js`. Configuration
 * comes from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { runService } from '@tributary/runtime';
import { startRegistry } from './start-registry.js';
import { registryConfigSchema } from './registry-config.js';

await runService({
  name: 'registry',
  summary: 'the model registry: versions, aliases, approvals, artifacts and lifecycle events',
  schema: registryConfigSchema,
  start: startRegistry,
});
