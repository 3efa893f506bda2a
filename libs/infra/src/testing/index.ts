/**
 * @tributary/infra/testing — servers of a caller's own: `isolatedInfraEnv()`
 * gives `createInfra` a temporary home and free ports beside the shared
 * servers, for tests and benchmarks that start a stack they may stop;
 * `startSecureTestServers()` runs the secure servers a whole test run uses
 * (`TRIBUTARY_SECURE=1`); `scanRedisKeys()` lists the keys a test wrote under
 * its prefix; `localClickHouse()` opens the ClickHouse of `CLICKHOUSE_URL`.
 */
export { freeInfraPorts, infraEnvAt, isolatedInfraEnv } from './isolated-infra-env.js';
export { startSecureTestServers, type SecureTestServers, type SecureTestServersOptions } from './secure-test-servers.js';
export { scanRedisKeys } from './redis-keys.js';
export { localClickHouse, localClickHouseUrl } from './local-clickhouse.js';
