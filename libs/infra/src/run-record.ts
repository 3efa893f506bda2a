import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceName } from './infra-config.js';
import type { ProcessIdentity } from './process-group.js';

/** The PID file of a server `tributary infra` started: who it is, where it listens, where it logs. */
export interface RunRecord extends ProcessIdentity {
  readonly service: ServiceName;
  /** ISO time the process was spawned. */
  readonly startedAt: string;
  /** The ports it was started with, by name (`kafka`, `kafkaController`, …). */
  readonly ports: Readonly<Record<string, number>>;
  readonly logFile: string;
  /** Started in secure mode (users, ACLs); absent for the plain servers. */
  readonly secure?: boolean;
}

/** `<home>/run/<service>.json`. */
export function runRecordPath(home: string, service: ServiceName): string {
  return join(home, 'run', `${service}.json`);
}

/** The recorded server, or undefined if none was recorded (an unreadable file counts as none). */
export async function readRunRecord(home: string, service: ServiceName): Promise<RunRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(runRecordPath(home, service), 'utf8')) as RunRecord;
    return Number.isInteger(record.pid) && record.pid > 0 ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the record atomically (temp file + rename), so a reader never sees half of it. */
export async function writeRunRecord(home: string, record: RunRecord): Promise<void> {
  const path = runRecordPath(home, record.service);
  await mkdir(join(home, 'run'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(record, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
}

/** Removes the record; a missing one is fine. */
export async function removeRunRecord(home: string, service: ServiceName): Promise<void> {
  await rm(runRecordPath(home, service), { force: true });
}
