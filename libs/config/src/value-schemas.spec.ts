import { describe, expect, it } from 'vitest';
import { booleanSchema, hostPortListSchema, logLevelSchema, portSchema, urlSchema } from './index.js';

describe('value schemas', () => {
  it('booleanSchema accepts true/false, 1/0 and yes/no in any case', () => {
    expect(['TRUE', '1', 'yes'].map((text) => booleanSchema.parse(text))).toEqual([true, true, true]);
    expect(['false', '0', 'No'].map((text) => booleanSchema.parse(text))).toEqual([false, false, false]);
    expect(booleanSchema.safeParse('maybe').error?.issues[0]?.message).toBe('not true or false');
  });

  it('logLevelSchema lower-cases known levels and refuses others', () => {
    expect(logLevelSchema.parse('DEBUG')).toBe('debug');
    expect(logLevelSchema.safeParse('verbose').success).toBe(false);
  });

  it('portSchema refuses signs, fractions and ports above 65535', () => {
    expect(portSchema.parse('8080')).toBe(8080);
    expect(['-1', '80.5', '65536', 'http'].map((text) => portSchema.safeParse(text).success)).toEqual([false, false, false, false]);
  });

  it('hostPortListSchema refuses entries without a valid port', () => {
    expect(hostPortListSchema.safeParse('a:1,b').success).toBe(false);
    expect(hostPortListSchema.safeParse('a:0').success).toBe(false);
    expect(hostPortListSchema.safeParse(' , ').error?.issues[0]?.message).toBe('no host:port given');
  });

  it('urlSchema checks the scheme', () => {
    const redisUrl = urlSchema(['redis:', 'rediss:']);
    expect(redisUrl.parse('rediss://user:pw@cache:6380/2')).toBe('rediss://user:pw@cache:6380/2');
    expect(redisUrl.safeParse('cache:6379').error?.issues[0]?.message).toBe('not a redis:// or rediss:// URL');
  });
});
