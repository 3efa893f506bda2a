import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidPortError, findWorkspaceRoot, resolveInfraConfig, resolvePorts } from './index.js';

describe('resolvePorts()', () => {
  it('uses the default ports when nothing is set', () => {
    expect(resolvePorts({})).toEqual({ kafka: 9092, kafkaController: 9093, clickhouseHttp: 8123, clickhouseTcp: 9000, redis: 6379 });
  });

  it('takes each port from its environment variable and treats blank as unset', () => {
    const ports = resolvePorts({ TRIBUTARY_KAFKA_PORT: '19092', TRIBUTARY_REDIS_PORT: ' 16379 ', TRIBUTARY_CLICKHOUSE_HTTP_PORT: '  ' });
    expect(ports).toMatchObject({ kafka: 19092, redis: 16379, clickhouseHttp: 8123 });
  });

  it('rejects a value that is not a port, naming the variable', () => {
    for (const value of ['abc', '0', '65536', '80.5', '-1']) {
      expect(() => resolvePorts({ TRIBUTARY_CLICKHOUSE_TCP_PORT: value })).toThrow(InvalidPortError);
    }
    expect(() => resolvePorts({ TRIBUTARY_CLICKHOUSE_TCP_PORT: 'abc' })).toThrow(/TRIBUTARY_CLICKHOUSE_TCP_PORT="abc"/);
  });
});

describe('resolveInfraConfig()', () => {
  it('keeps everything under .tributary at the workspace root by default', () => {
    const config = resolveInfraConfig({});
    expect(config.home).toBe(join(findWorkspaceRoot(), '.tributary'));
    expect(config.cacheDir).toBe(join(config.home, 'cache'));
  });

  it('honours TRIBUTARY_HOME and TRIBUTARY_CACHE_DIR, resolving relative paths', () => {
    const config = resolveInfraConfig({ TRIBUTARY_HOME: 'some/home', TRIBUTARY_CACHE_DIR: '/var/cache/tributary' });
    expect(config.home).toBe(resolve('some/home'));
    expect(config.cacheDir).toBe('/var/cache/tributary');
    expect(resolveInfraConfig({ TRIBUTARY_HOME: '/srv/t' }).cacheDir).toBe('/srv/t/cache');
  });
});
