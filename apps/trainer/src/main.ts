/**
 * The trainer service: consumes `training.requested` (and serves gRPC
 * `RequestTraining`), trains, verifies, registers and promotes. Configuration
 * from the environment (`--help` lists it); SIGTERM lets the run in progress
 * finish, then closes.
 */
import { runService } from '@tributary/runtime';
import { trainerConfigSchema } from './config.js';
import { startTrainer } from './start-trainer.js';

await runService({
  name: 'trainer',
  summary: 'trains, verifies, registers and promotes models on training.requested',
  schema: trainerConfigSchema,
  start: startTrainer,
});
