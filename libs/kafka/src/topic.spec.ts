import { describe, expect, it } from 'vitest';
import { allTopics, createBytesCodec, defineTopic } from './index.js';

describe('defineTopic()', () => {
  it('fills in partitions, retention, cleanup policy and event type', () => {
    const topic = defineTopic({ name: 'things.happened', keyDescription: 'thing id', codec: createBytesCodec() });
    expect(topic).toMatchObject({ partitions: 3, retentionMs: 604_800_000, cleanupPolicy: 'delete', eventType: 'tributary.things.happened' });
  });

  it('keeps what the definition states', () => {
    const topic = defineTopic({ name: 'x', keyDescription: 'k', codec: createBytesCodec(), partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', eventType: 'x.y' });
    expect(topic).toMatchObject({ partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', eventType: 'x.y' });
  });
});

describe('allTopics', () => {
  it('holds the eight topics of the design, each name once', () => {
    const names = allTopics.map((topic) => topic.name);
    expect(names.sort()).toEqual(
      ['drift.detected', 'events.dlq', 'events.raw', 'events.validated', 'model.lifecycle', 'predictions.logged', 'predictions.scored', 'training.requested'].sort(),
    );
  });
});
