/**
 * The trainer's test fault hooks: faults a test switches on through
 * `TRAINER_TEST_FAULT` to prove what a crash at a precise point leaves
 * behind, on the real stack. Unset (always, outside tests) they do nothing.
 */
import type { Logger } from '@tributary/observability';
import type { RunTrainingOptions } from '@tributary/training';
import type { TrainerConfig } from './config.js';

/** A fault the trainer can inject. */
export type TrainerTestFault = NonNullable<TrainerConfig['trainer']['testFault']>;

/**
 * The `onRegistered` hook of a run under the configured fault, or undefined
 * when none is set. `kill-after-registering`: the process kills itself with
 * SIGKILL — no handler, no shutdown, no offset commit — once a run has
 * registered both versions and before it moves an alias, as a lost node
 * would; the redelivered request must then finish the promotion.
 */
export function testFaultHook(fault: TrainerTestFault | undefined, logger: Logger): RunTrainingOptions['onRegistered'] {
  if (fault !== 'kill-after-registering') return undefined;
  return ({ primary, fallback }) => {
    logger.warn({ primaryVersion: primary.version, fallbackVersion: fallback.version }, 'test fault hook: killing the trainer (SIGKILL) after registering');
    process.kill(process.pid, 'SIGKILL');
  };
}
