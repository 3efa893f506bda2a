/**
 * A schema managed by deploy/: on secure servers of its own whose service
 * users have no CREATE grant (`managedSchema`), the admin applies the tables
 * of deploy/clickhouse/single-node.sql. The ingestion service, run from source
 * as its own principal with `CLICKHOUSE_MANAGE_SCHEMA=false`, starts and
 * stores what it consumes; asked to manage its schema, it cannot start. (The
 * file's roles are not applied: the embedded server keeps users in users.xml
 * only, which `managedSchema` writes with the same grants.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { adminPrincipal, createInfra, ensureInfraSecrets, fetchReadiness, freePort, secureClientEnv, type Infra, type InfraPorts, type InfraSecrets } from '@tributary/infra';
import { isolatedInfraEnv } from '@tributary/infra/testing';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGrantStatement } from './clickhouse-grants.js';
import { clickhouseSchemaFiles, schemaStatements } from './clickhouse-schemas.js';
import { fromRoot } from './workspace.js';

const { Kafka, logLevel } = kafkajs;
const coldInstallMs = 15 * 60_000;
const namespace = 'managed';
/** Names as `inNamespace('managed', …)` of @tributary/config gives them. */
const named = (kind: string, name: string) => (kind === 'database' ? `${namespace}_${name}` : kind === 'key-prefix' ? `${namespace}:${name}` : `${namespace}.${name}`);
const database = named('database', 'tributary');

let infra: Infra;
let home: string;
let ports: InfraPorts;
let secrets: InfraSecrets;
let admin: ClickHouseClient;

beforeAll(async () => {
  const isolated = await isolatedInfraEnv();
  ({ home, ports } = isolated);
  infra = createInfra({ env: isolated.env, secure: { name: named, managedSchema: true } });
  await infra.up();
  secrets = await ensureInfraSecrets(home);
  admin = createClient({ url: `http://127.0.0.1:${ports.clickhouseHttp}`, username: adminPrincipal, password: secrets[adminPrincipal] ?? '', log: { level: ClickHouseLogLevel.OFF } });
  const sql = await readFile(clickhouseSchemaFiles.singleNode, 'utf8');
  for (const statement of schemaStatements(sql).filter((statement) => !isGrantStatement(statement))) {
    await admin.command({ query: statement.replaceAll(/\btributary\b/g, database) });
  }
}, coldInstallMs);

afterAll(async () => {
  await admin?.close();
  await infra?.down();
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

/** The ingestion service from source, as the ingestion principal. */
async function startIngestion(manageSchema: boolean): Promise<{ child: ChildProcess; opsPort: number; output: () => string; stop: () => Promise<void> }> {
  const opsPort = await freePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fromRoot('apps', 'ingestion', 'src', 'main.ts')], {
    env: {
      ...process.env,
      ...secureClientEnv('ingestion', secrets, ports),
      CLICKHOUSE_MANAGE_SCHEMA: String(manageSchema),
      TRIBUTARY_NAMESPACE: namespace,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(await freePort()),
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
      SERVICE_AUTH_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  return { child, opsPort, output: () => output, stop };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** A flight.departed event in the protobuf JSON mapping, as producers publish it. */
function departure(index: number): string {
  const time = new Date(Date.UTC(2001, 0, 15, 9, index)).toISOString();
  const flightKey = `20010115T09${String(index).padStart(2, '0')}-ORD-LAX-${index}`;
  return JSON.stringify({
    eventId: `managed-${index}`,
    type: 'flight.departed',
    source: '/tests/managed-schema',
    entityId: flightKey,
    eventTime: time,
    flightDeparted: { flightKey, origin: 'ORD', destination: 'LAX', distanceMiles: 1745, departureTime: time },
  });
}

describe('a service against the schema deploy/clickhouse manages', () => {
  it('starts with CLICKHOUSE_MANAGE_SCHEMA=false as a user without CREATE, and stores what it ingests', async () => {
    const service = await startIngestion(false);
    try {
      await until('ingestion ready', async () => {
        if (service.child.exitCode !== null) throw new Error(`ingestion exited: ${service.output()}`);
        return (await fetchReadiness('ingestion', service.opsPort)).ready ? true : undefined;
      });
      const kafka = new Kafka({
        clientId: 'managed-schema-spec',
        brokers: [`127.0.0.1:${ports.kafka}`],
        logLevel: logLevel.NOTHING,
        sasl: { mechanism: 'scram-sha-256', username: 'operator', password: secrets['operator'] ?? '' },
      });
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      try {
        await producer.send({ topic: named('topic', 'events.raw'), messages: [0, 1, 2].map((index) => ({ key: `k${index}`, value: departure(index), headers: { 'content-type': 'application/json' } })) });
      } finally {
        await producer.disconnect();
      }
      const rows = await until('rows in events_raw', async () => {
        const result = await admin.query({ query: `SELECT event_id FROM ${database}.events_raw ORDER BY event_id`, format: 'JSONEachRow' });
        const ids = (await result.json<{ event_id: string }>()).map((row) => row.event_id);
        return ids.length >= 3 ? ids : undefined;
      });
      expect(rows).toEqual(['managed-0', 'managed-1', 'managed-2']);
      expect(service.output()).not.toMatch(/ACCESS_DENIED|Not enough privileges/);
    } finally {
      await service.stop();
    }
  }, 180_000);

  it('cannot start as that user when told to create its schema, and says the grant is missing', async () => {
    const service = await startIngestion(true);
    try {
      const [code] = (await once(service.child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(service.output()).toMatch(/Not enough privileges[^"]*CREATE/);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
