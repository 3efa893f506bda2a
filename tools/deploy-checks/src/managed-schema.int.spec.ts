/**
 * A schema managed by deploy/: on secure servers of its own whose service
 * users have no CREATE grant (`managedSchema`), the admin applies the tables
 * of deploy/clickhouse/single-node.sql. Each service that owns tables —
 * ingestion, the feature pipeline, the drift monitor — run from source as its
 * own principal with `CLICKHOUSE_MANAGE_SCHEMA=false`, starts and stores what
 * it consumes; asked to manage its schema, it cannot start. (The file's roles
 * are not applied: the embedded server keeps users in users.xml only, which
 * `managedSchema` writes with the same grants.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { adminPrincipal, createInfra, ensureInfraSecrets, fetchReadiness, freePort, secureClientEnv, type Infra, type InfraPorts, type InfraSecrets } from '@tributary/infra';
import { isolatedInfraEnv } from '@tributary/infra/testing';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { FLIGHT_DEPARTED, readFlightEvents, toEventMessage } from '@tributary/flights';
import kafkajs, { type Message } from 'kafkajs';
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

/** The services that own ClickHouse tables, and so run with CLICKHOUSE_MANAGE_SCHEMA=false in deploy/. */
type TableOwner = 'ingestion' | 'feature-pipeline' | 'drift-monitor';

interface ServiceProcess {
  readonly child: ChildProcess;
  readonly opsPort: number;
  output(): string;
  stop(): Promise<void>;
}

/** A service from source, as its own principal. */
async function startService(service: TableOwner, manageSchema: boolean, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const opsPort = await freePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', fromRoot('apps', service, 'src', 'main.ts')], {
    env: {
      ...process.env,
      ...secureClientEnv(service, secrets, ports),
      CLICKHOUSE_MANAGE_SCHEMA: String(manageSchema),
      TRIBUTARY_NAMESPACE: namespace,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(await freePort()),
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
      SERVICE_AUTH_TOKEN: '',
      ...env,
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

async function untilReady(service: TableOwner, running: ServiceProcess): Promise<void> {
  await until(`${service} ready`, async () => {
    if (running.child.exitCode !== null) throw new Error(`${service} exited: ${running.output()}`);
    return (await fetchReadiness(service, running.opsPort)).ready ? true : undefined;
  });
}

/** Sends records as `principal` (SASL), e.g. the admin for topics no platform principal writes but a service. */
async function send(principal: string, topic: string, messages: Message[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'managed-schema-spec',
    brokers: [`127.0.0.1:${ports.kafka}`],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-256', username: principal, password: secrets[principal] ?? '' },
  });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({ topic: named('topic', topic), messages });
  } finally {
    await producer.disconnect();
  }
}

/** How many rows a table of the managed database holds, read as the admin. */
async function rowCount(table: string): Promise<number> {
  const result = await admin.query({ query: `SELECT count() AS n FROM ${database}.${table}`, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
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

/** The first flights of the dataset as `events.validated` records (departures and arrivals, in event time), as ingestion writes them. */
async function validatedFlightEvents(flights: number): Promise<{ messages: Message[]; departures: string[] }> {
  const messages: Message[] = [];
  const departures: string[] = [];
  for await (const event of readFlightEvents({ maxFlights: flights })) {
    const message = toEventMessage(event);
    messages.push({ key: message.entityId, value: Buffer.from(toBinary(EventSchema, message)) });
    if (message.type === FLIGHT_DEPARTED) departures.push(message.eventId);
  }
  return { messages, departures };
}

describe('a service against the schema deploy/clickhouse manages', () => {
  it('ingestion starts with CLICKHOUSE_MANAGE_SCHEMA=false as a user without CREATE, and stores what it ingests', async () => {
    const service = await startService('ingestion', false);
    try {
      await untilReady('ingestion', service);
      await send('operator', 'events.raw', [0, 1, 2].map((index) => ({ key: `k${index}`, value: departure(index), headers: { 'content-type': 'application/json' } })));
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

  it('the feature pipeline starts the same way and writes the offline features of what it consumes', async () => {
    // A partition with nothing left is not waited for after a second: the watermark moves with the flights.
    const service = await startService('feature-pipeline', false, { FEATURES_IDLE_SOURCE_TIMEOUT_MS: '1000' });
    try {
      await untilReady('feature-pipeline', service);
      const { messages } = await validatedFlightEvents(300);
      await send(adminPrincipal, 'events.validated', messages);
      const tables = ['features_airport', 'features_route'];
      const counts = await until('offline feature rows', async () => {
        const found = await Promise.all(tables.map(rowCount));
        return found.every((count) => count > 0) ? found : undefined;
      }, 120_000);
      expect(counts.every((count) => count > 0)).toBe(true);
      expect(service.output()).not.toMatch(/ACCESS_DENIED|Not enough privileges|NOPERM/);
    } finally {
      await service.stop();
    }
  }, 240_000);

  it('the drift monitor starts the same way and stores the flights and predictions it watches', async () => {
    // No registry: the reference profiles wait, the windows' inputs are stored all the same.
    const service = await startService('drift-monitor', false, { REGISTRY_ADDRESS: `127.0.0.1:${await freePort()}` });
    try {
      await untilReady('drift-monitor', service);
      const { messages, departures } = await validatedFlightEvents(50);
      await send(adminPrincipal, 'events.validated', messages);
      const predictions = departures.slice(0, 10).map((eventId, index) => ({
        key: 'managed-model',
        value: Buffer.from(
          toBinary(
            PredictionLogSchema,
            create(PredictionLogSchema, {
              requestId: `managed-request-${index}`,
              modelName: 'managed-model',
              modelVersion: 1,
              alias: 'champion',
              servedBy: ServingTier.PRIMARY,
              predictionTime: timestampFromMs(Date.now()),
              eventId,
              features: { distance_miles: 500 + index },
              probability: 0.2,
            }),
          ),
        ),
      }));
      await send(adminPrincipal, 'predictions.logged', predictions);
      const counts = await until('flights and predictions stored', async () => {
        const [flights, stored] = await Promise.all([rowCount('drift_flights'), rowCount('drift_predictions')]);
        return flights > 0 && stored >= predictions.length ? { flights, stored } : undefined;
      }, 120_000);
      expect(counts.stored).toBe(predictions.length);
      expect(service.output()).not.toMatch(/ACCESS_DENIED|Not enough privileges/);
    } finally {
      await service.stop();
    }
  }, 240_000);

  it.each(['ingestion', 'feature-pipeline', 'drift-monitor'] as const)('%s cannot start as its user when told to create its schema, and says the grant is missing', async (owner) => {
    const service = await startService(owner, true, { REGISTRY_ADDRESS: `127.0.0.1:${await freePort()}` });
    try {
      const [code] = (await once(service.child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(service.output()).toMatch(/Not enough privileges[^"]*CREATE/);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
