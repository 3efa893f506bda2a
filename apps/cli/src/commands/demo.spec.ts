import { describe, expect, it } from 'vitest';
import { formatEntityFeatures } from './demo.js';

describe('formatEntityFeatures()', () => {
  it('says what each store holds and shows the first online values: missing as –, counts whole, means to 3 places', () => {
    const lines = formatEntityFeatures(
      {
        entityType: 'airport',
        table: 'tributary.features_airport',
        snapshots: 57_597,
        entities: 219,
        busiest: 'ORD',
        values: { departures_1h: Number.NaN, out_arrivals_24h: 343, out_delay_mean_24h: 18.65, extra: 1 },
      },
      3,
    );
    expect(lines).toEqual([
      'airport 57,597 snapshots of 219 airports in ClickHouse tributary.features_airport',
      '        online (Redis) for ORD: departures_1h –, out_arrivals_24h 343, out_delay_mean_24h 18.650, …',
    ]);
  });
});
