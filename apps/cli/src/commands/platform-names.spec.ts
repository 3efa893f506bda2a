import { ConfigError } from '@tributary/config';
import { topics } from '@tributary/kafka';
import { describe, expect, it } from 'vitest';
import { platformNames } from './platform-names.js';

describe('platformNames()', () => {
  it('names what the services write by default inside the namespace', () => {
    const names = platformNames({ TRIBUTARY_NAMESPACE: 'ci_7' });
    expect(names.namespace).toBe('ci_7');
    expect(names.topic(topics.eventsRaw)).toEqual({ ...topics.eventsRaw, name: 'ci_7.events.raw' });
    expect(names.kafkaId('tributary-demo')).toBe('ci_7.tributary-demo');
    expect(names.database).toBe('ci_7_tributary');
    expect(names.featuresPrefix).toBe('ci_7:features');
  });

  it('uses the documented names without a namespace, and explicit settings as given', () => {
    const names = platformNames({ CLICKHOUSE_DATABASE: 'analytics' });
    expect(names.namespace).toBeUndefined();
    expect(names.topic(topics.modelLifecycle).name).toBe('model.lifecycle');
    expect(names.database).toBe('analytics');
    expect(names.featuresPrefix).toBe('features');
  });

  it('refuses a namespace that is not a valid name', () => {
    expect(() => platformNames({ TRIBUTARY_NAMESPACE: 'My-Namespace' })).toThrow(ConfigError);
  });

  it('runs the tests themselves in a namespace of their own', () => {
    // Set for every test process by vitest.config.ts: nothing a test starts uses the user's names.
    expect(platformNames().namespace).toMatch(/^[a-z]/);
    expect(platformNames().topic(topics.eventsRaw).name).not.toBe(topics.eventsRaw.name);
  });
});
