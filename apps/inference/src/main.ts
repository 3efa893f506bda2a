/**
 * The inference service: `node apps/inference/dist/main.js`. Predictions over
 * gRPC (tributary.v1 and KServe v2), KServe v2 REST and `/v1/predictions`.
 * Configuration from the environment (`--help` lists it); SIGTERM drains and closes.
 */
import { runService } from '@tributary/runtime';
import { inferenceConfigSchema } from './config.js';
import { startInference } from './start-inference.js';

await runService({
  name: 'inference',
  summary: 'flight-delay predictions over gRPC (tributary.v1, KServe v2) and REST, with breakers, fallback models and hot swaps',
  schema: inferenceConfigSchema,
  start: startInference,
});
