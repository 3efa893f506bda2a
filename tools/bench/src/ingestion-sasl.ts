/**
 * What security costs the ingestion service: the same slice through the same
 * service against servers with security on — Kafka with SASL/SCRAM and ACLs,
 * Redis with the service's ACL user, ClickHouse with its user and grants —
 * started by the project's tooling (`createInfra({ secure })`, what `tributary
 * infra up --secure` runs) on a home and ports of their own, so the shared
 * servers are never touched, and stopped at the end. The service runs as the
 * `ingestion` principal in a namespace the ACLs are written for; it creates
 * its topics at a first start (its CREATE ACL), the admin publishes the slice,
 * and the second start is timed until its group has committed every offset.
 *
 * The plain figure is the shared servers' (other engineers' load included),
 * these servers serve this run only; CPU per event in the service process
 * depends less on that difference than events/s does.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { inNamespace } from '@tributary/config';
import { adminPrincipal, createInfra, ensureInfraSecrets, secureClientEnv, type PlatformNameKind } from '@tributary/infra';
import { isolatedInfraEnv } from '@tributary/infra/testing';
import type { RawRecord } from '@tributary/ingest';
import { createKafkaClient, topics } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import type { Measurement } from './results.js';
import { cpuSecondsOf, serviceEnv, startService, stopService } from './service-process.js';

type Kafka = ReturnType<typeof createKafkaClient>;

/** The namespace the secure servers' ACLs and grants are written for. */
const NAMESPACE = 'benchsasl';
const name = (kind: PlatformNameKind, platformName: string) => inNamespace(NAMESPACE, kind, platformName);

/** The plain service run of the same benchmark, to compare with. */
export interface PlainIngestionRun {
  readonly eventsPerSecond: number;
  readonly cpuMicrosPerEvent: number;
}

/** Options of {@link measureSecureIngestion}: the plain run and the steps the benchmark already has. */
export interface SecureIngestionOptions {
  /** The built ingestion service. */
  readonly serviceMain: string;
  readonly plain: PlainIngestionRun;
  /** Publishes the benchmark's slice to `topic`. */
  publish(kafka: Kafka, topic: typeof topics.eventsRaw): Promise<{ readonly records: RawRecord[] }>;
  /** Whether `groupId` has committed every offset of `topic`. */
  offsetsDone(kafka: Kafka, groupId: string, topic: string): Promise<boolean>;
  /** Rows of `database`.events_raw after deduplication. */
  rowsFinal(clickhouse: ClickHouseClient, database: string): Promise<number>;
}

/** `ingest events/s sasl` and CPU per event with security on, each with its ratio to the plain run. */
export async function measureSecureIngestion(options: SecureIngestionOptions): Promise<Measurement[]> {
  const logger = createLogger({ name: 'bench-ingestion-sasl', level: 'warn' });
  const { env, home, ports } = await isolatedInfraEnv();
  const infra = createInfra({ env, secure: { name } });
  let service: ChildProcess | undefined;
  let clickhouse: ClickHouseClient | undefined;
  try {
    console.log('starting secure Kafka, Redis and ClickHouse of this run…');
    await infra.up();
    const secrets = await ensureInfraSecrets(home);
    const adminPassword = secrets[adminPrincipal] ?? '';
    const kafka = createKafkaClient({
      clientId: 'bench-ingestion-sasl',
      brokers: [`127.0.0.1:${ports.kafka}`],
      sasl: { mechanism: 'scram-sha-256', username: adminPrincipal, password: adminPassword },
      logger,
    });
    clickhouse = createClient({ url: `http://127.0.0.1:${ports.clickhouseHttp}`, username: adminPrincipal, password: adminPassword });
    const settings = serviceEnv({ ...secureClientEnv('ingestion', secrets, ports), TRIBUTARY_NAMESPACE: NAMESPACE, INGEST_DEDUP_TTL_MS: '3600000' });
    const serviceMain = options.serviceMain;

    // The first start creates the service's topics as its principal may; the slice is published once they exist.
    await stopService(await startService(serviceMain, 'ingestion started', settings));
    const raw = { ...topics.eventsRaw, name: name('topic', topics.eventsRaw.name) };
    console.log('publishing to the secure events.raw…');
    const events = (await options.publish(kafka, raw)).records.splice(0).length;

    console.log('ingesting through the service with security on…');
    service = await startService(serviceMain, 'ingestion started', settings);
    const readyMs = performance.now();
    const cpuBefore = cpuSecondsOf(service.pid as number);
    const groupId = name('consumer-group', 'ingestion');
    while (!(await options.offsetsDone(kafka, groupId, raw.name))) await new Promise((resolve) => setTimeout(resolve, 250));
    const seconds = (performance.now() - readyMs) / 1000;
    const cpuMicrosPerEvent = ((cpuSecondsOf(service.pid as number) - cpuBefore) * 1e6) / events;
    await stopService(service);
    service = undefined;
    const rows = await options.rowsFinal(clickhouse, name('database', 'tributary'));
    const eventsPerSecond = Math.round(rows / seconds);
    console.log(`ingestion with security on: ${eventsPerSecond} events/s, ${cpuMicrosPerEvent.toFixed(1)} µs CPU per event`);
    return [
      { name: 'ingest events/s sasl', value: eventsPerSecond, unit: 'events/s' },
      { name: 'ingest sasl vs plain events/s ratio', value: eventsPerSecond / options.plain.eventsPerSecond, unit: '×', target: '≥ 0.9' },
      { name: 'ingestion service, CPU per event sasl', value: cpuMicrosPerEvent, unit: 'µs' },
      { name: 'ingest sasl vs plain CPU per event ratio', value: cpuMicrosPerEvent / options.plain.cpuMicrosPerEvent, unit: '×', target: '≤ 1.1' },
      { name: 'rows in events_raw (FINAL), sasl run', value: rows, unit: 'rows' },
    ];
  } finally {
    service?.kill('SIGKILL');
    await clickhouse?.close();
    await infra.down();
    rmSync(home, { recursive: true, force: true });
  }
}
