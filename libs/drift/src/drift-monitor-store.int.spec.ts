import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { PredictionLogSchema, ServingTier } from '@tributary/contracts';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriftMonitorStore, type FlightObservation } from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2001, 4, 1);
const DAYS = 6;
const FLIGHTS_PER_DAY = 5000;
const clickhouse = localClickHouse();
const database = `drift_store_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const store = createDriftMonitorStore({ client: clickhouse, database });

/** `Granules: read/total` of the primary key's step in an `EXPLAIN indexes = 1`. */
async function granules(query: string): Promise<{ read: number; total: number }> {
  const result = await clickhouse.query({ query: `EXPLAIN indexes = 1 ${query}`, format: 'TabSeparatedRaw' });
  const plan = await result.text();
  const primaryKey = plan.slice(plan.indexOf('PrimaryKey'));
  const match = /Granules: (\d+)\/(\d+)/.exec(primaryKey);
  if (!match) throw new Error(`no primary key step in:\n${plan}`);
  return { read: Number(match[1]), total: Number(match[2]) };
}

describe('createDriftMonitorStore() window reads', () => {
  const window = { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY };

  beforeAll(async () => {
    await store.ensureSchema();
    const flights: FlightObservation[] = [];
    for (let i = 0; i < DAYS * FLIGHTS_PER_DAY; i++) {
      const departureTimeMs = T0 + Math.floor((i * DAY) / FLIGHTS_PER_DAY);
      flights.push({ departedEventId: randomUUID(), departureTimeMs, eventTimeMs: departureTimeMs, outcome: i % 5 === 0 ? 1 : 0 });
    }
    await store.writeFlights(flights);
    await store.writePredictions(
      flights.map((flight, i) =>
        create(PredictionLogSchema, { requestId: `r${i}`, modelName: 'flight-delay', modelVersion: 1, servedBy: ServingTier.PRIMARY, eventId: flight.departedEventId, probability: 0.2, features: { x: i } }),
      ),
    );
    await clickhouse.command({ query: `OPTIMIZE TABLE ${database}.drift_flights FINAL` });
  }, 120_000);

  afterAll(async () => {
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse.close();
  });

  it('reads the flights of a window by the departure-time key, not the whole table', async () => {
    const { read, total } = await granules(
      `SELECT departed_event_id FROM ${database}.drift_flights WHERE departure_time_ms >= ${window.startMs} AND departure_time_ms < ${window.endMs}`,
    );
    // A day is a sixth of the rows: its granules and at most one more on each edge.
    expect(total).toBeGreaterThanOrEqual(DAYS * Math.floor(FLIGHTS_PER_DAY / 8192));
    expect(read).toBeLessThanOrEqual(Math.ceil(total / DAYS) + 2);
    expect(read).toBeLessThan(total);
  });

  it('still joins every prediction of the window with its outcome', async () => {
    const rows = await store.loadWindowRows(window, { modelName: 'flight-delay', modelVersion: 1, featureNames: ['x'] });
    expect(rows.rowCount).toBe(FLIGHTS_PER_DAY);
    const x = rows.column('x');
    expect(Math.min(...x)).toBe(2 * FLIGHTS_PER_DAY);
    expect(Math.max(...x)).toBe(3 * FLIGHTS_PER_DAY - 1);
    expect(rows.outcomes.reduce((a, b) => a + b, 0)).toBe(FLIGHTS_PER_DAY / 5);
    expect(await store.countWindow(window)).toEqual([{ modelName: 'flight-delay', modelVersion: 1, sampleCount: FLIGHTS_PER_DAY, labelledCount: FLIGHTS_PER_DAY }]);
  });
});
