import type { Logger } from '@tributary/observability';
import type { Lifecycle } from './lifecycle.js';

/**
 * What a service's start function gets, and the one shape every
 * `start-<service>.ts` takes: its validated configuration, its logger, and the
 * lifecycle every resource it opens registers its close with.
 */
export interface ServiceContext<C> {
  readonly config: C;
  readonly logger: Logger;
  /** Register each resource's close right after opening it; SIGTERM closes them newest first. */
  readonly lifecycle: Lifecycle;
}
