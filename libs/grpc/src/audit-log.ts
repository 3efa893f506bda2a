import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Logger } from '@tributary/observability';

/** One refused call, as the audit trail keeps it. */
export interface AuditEntry {
  /** ISO time of the refusal. */
  readonly time: string;
  readonly event: 'grpc.refused';
  /** Full method path. */
  readonly method: string;
  /** `UNAUTHENTICATED` or `PERMISSION_DENIED`. */
  readonly code: string;
  /** Why, in words. */
  readonly reason: string;
  /** The caller's SPIFFE id, when it presented one. */
  readonly peer?: string;
  /** The caller's address (`ipv4:127.0.0.1:51234`). */
  readonly address?: string;
}

/** Where refusals are written. */
export interface AuditLog {
  record(entry: AuditEntry): void;
  /** Flushes and closes the file, if any. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Every entry goes to this log as a `warn` line with an `audit` field. */
  readonly logger: Logger;
  /** Also append each entry as one JSON line to this file. Default: none. */
  readonly file?: string;
}

/**
 * The audit trail of refused calls: a structured log line each (so the log
 * pipeline sees them with the rest), and optionally a JSON-lines file of
 * refusals only, for the people who review access.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const audit = options.logger.child({ stream: 'audit' });
  let file: WriteStream | undefined = options.file === undefined ? undefined : createWriteStream(options.file, { flags: 'a', mode: 0o600 });
  // A broken audit file must not take the server down; the log line still carries the entry.
  file?.on('error', (error) => audit.error({ err: error, file: options.file }, 'audit log file failed'));
  return {
    record(entry) {
      audit.warn({ audit: entry }, `refused ${entry.method}: ${entry.reason}`);
      file?.write(`${JSON.stringify(entry)}\n`);
    },
    async close() {
      const open = file;
      file = undefined;
      if (!open || open.destroyed) return;
      open.end();
      await once(open, 'close').catch(() => undefined);
    },
  };
}
