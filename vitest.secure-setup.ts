/**
 * The global setup of a secure test run (`TRIBUTARY_SECURE=1`, see
 * vitest.config.ts): starts — or finds running — Kafka with SASL/SCRAM and
 * ACLs, Redis with ACL users and ClickHouse with users per table on a home
 * (`.tributary/secure-tests`) and ports of their own, ACLs written for the
 * tests' namespace, and points every test process at them as the admin
 * principal (`startSecureTestServers` of @tributary/infra/testing). Servers
 * this run started are stopped at its end, unless `TRIBUTARY_SECURE=keep`;
 * servers it found running are left running for the next slice.
 */
import { inNamespace } from '@tributary/config';
import { startSecureTestServers, type SecureTestServers } from '@tributary/infra/testing';

let servers: SecureTestServers | undefined;

export async function setup(): Promise<void> {
  // Every test project runs this setup: the first starts the servers, the others find them running.
  if (servers !== undefined) return;
  const namespace = process.env['TRIBUTARY_TEST_NAMESPACE']?.trim() || 'test';
  servers = await startSecureTestServers({ security: { name: (kind, name) => inNamespace(namespace, kind, name) } });
  // Test workers are forked with this process's environment.
  Object.assign(process.env, servers.env, { TRIBUTARY_SECURE_HOME: servers.home });
  console.log(`secure servers (${servers.startedHere ? 'started' : 'already running'}) in ${servers.home}: kafka ${servers.ports.kafka}, redis ${servers.ports.redis}, clickhouse ${servers.ports.clickhouseHttp}`);
}

export async function teardown(): Promise<void> {
  const keep = process.env['TRIBUTARY_SECURE']?.trim() === 'keep';
  const started = servers;
  servers = undefined;
  if (started?.startedHere && !keep) await started.stop();
}
