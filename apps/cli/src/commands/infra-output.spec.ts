import { describe, expect, it } from 'vitest';
import { formatDownResult, formatInfraEvent, formatSeconds, formatStatus, formatUpResult } from './infra-output.js';

describe('formatUpResult()', () => {
  it('says where a started server listens and how long it took', () => {
    const line = formatUpResult({ service: 'kafka', outcome: 'started', pid: 42, listen: '127.0.0.1:9092 (controller 9093)', durationMs: 3_412, logFile: 'k.log' });
    expect(line).toBe('kafka      started          127.0.0.1:9092 (controller 9093), ready in 3.4 s, pid 42');
  });

  it('says "already running" for a server that was up before', () => {
    const line = formatUpResult({ service: 'redis', outcome: 'already-running', pid: 7, listen: '127.0.0.1:6379', durationMs: 3, logFile: 'r.log' });
    expect(line).toBe('redis      already running  127.0.0.1:6379, pid 7');
  });
});

describe('formatStatus()', () => {
  it('tells how to recover a crashed server', () => {
    const line = formatStatus({ service: 'clickhouse', state: 'crashed', pid: 9, listen: 'http://127.0.0.1:8123', logFile: 'ch.log', portsTaken: [] });
    expect(line).toContain('pid 9 is gone; `tributary infra up` restarts it; see ch.log');
  });

  it('names ports held by something else', () => {
    const line = formatStatus({ service: 'redis', state: 'stopped', listen: '127.0.0.1:6379', logFile: 'r.log', portsTaken: ['port 6379 (pid 12 redis-server)'] });
    expect(line).toContain('taken by something else: port 6379 (pid 12 redis-server)');
  });
});

describe('formatDownResult()', () => {
  it('distinguishes a stop from a stale PID file', () => {
    expect(formatDownResult({ service: 'kafka', outcome: 'stopped', pid: 5, durationMs: 512 })).toBe('kafka      stopped (pid 5) in 0.5 s');
    expect(formatDownResult({ service: 'kafka', outcome: 'was-crashed', pid: 5, durationMs: 1 })).toContain('had crashed (pid 5 was gone)');
    expect(formatDownResult({ service: 'redis', outcome: 'not-running', durationMs: 0 })).toBe('redis      not running');
  });
});

describe('formatInfraEvent()', () => {
  it('prints install steps with their duration and keeps start events quiet', () => {
    expect(formatInfraEvent({ kind: 'install-finished', step: 'Kafka jars', durationMs: 7_050 })).toBe(`installed Kafka jars in ${formatSeconds(7_050)}`);
    expect(formatInfraEvent({ kind: 'starting', service: 'redis' })).toBeUndefined();
  });
});
