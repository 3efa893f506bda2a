/**
 * @tributary/infra/testing — servers of a caller's own: `isolatedInfraEnv()`
 * gives `createInfra` a temporary home and free ports beside the shared
 * servers, for tests and benchmarks that start a stack they may stop;
 * `scanRedisKeys()` lists the keys a test wrote under its prefix.
 */
export { isolatedInfraEnv } from './isolated-infra-env.js';
export { scanRedisKeys } from './redis-keys.js';
