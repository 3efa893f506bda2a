import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord, removeRunRecord, runRecordPath, writeRunRecord, type RunRecord } from './run-record.js';

describe('run records', () => {
  const record: RunRecord = {
    service: 'redis',
    pid: 4242,
    startTicks: '1234',
    startedAt: '2026-01-01T00:00:00.000Z',
    ports: { redis: 16379 },
    logFile: '/logs/redis.log',
  };

  it('round-trips through the PID file and is gone after removal', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    await writeRunRecord(home, record);
    expect(await readRunRecord(home, 'redis')).toEqual(record);
    await removeRunRecord(home, 'redis');
    await removeRunRecord(home, 'redis');
    expect(await readRunRecord(home, 'redis')).toBeUndefined();
  });

  it('treats an unreadable PID file as no record', async () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    mkdirSync(join(home, 'run'));
    writeFileSync(runRecordPath(home, 'kafka'), '{"pid": "no"');
    expect(await readRunRecord(home, 'kafka')).toBeUndefined();
  });
});
