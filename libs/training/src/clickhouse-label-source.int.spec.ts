import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { departedPastMidnight, readFlights } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseLabelSource, lateArrivalLabel } from './index.js';
import { writeFlightFixtures } from './testing.js';

const FROM_MS = Date.UTC(2001, 0, 8, 6);
const TO_MS = Date.UTC(2001, 0, 8, 9);
/** The small hours of the same day, where rows of flights that left past midnight are. */
const NIGHT_FROM_MS = Date.UTC(2001, 0, 8, 0);
const NIGHT_TO_MS = Date.UTC(2001, 0, 8, 2);

describe('createClickHouseLabelSource()', () => {
  const database = `training_labels_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = localClickHouse();
    await writeFlightFixtures({ client, database, fromMs: FROM_MS, toMs: TO_MS, everyNth: 10 });
    // Written twice, as a redelivered batch would be: still one label per flight.
    await writeFlightFixtures({ client, database, fromMs: FROM_MS, toMs: TO_MS, everyNth: 10 });
    await writeFlightFixtures({ client, database, fromMs: NIGHT_FROM_MS, toMs: NIGHT_TO_MS });
  });

  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await client.close();
  });

  it('labels each departure of the window by its recorded arrival delay, in departure order', async () => {
    const expected = [];
    let index = 0;
    for await (const flight of readFlights({ fromMs: FROM_MS, toMs: TO_MS })) if (index++ % 10 === 0) expected.push(flight);
    const windowStart = FROM_MS + 3_600_000;
    const inWindow = expected.filter((f) => f.departureTimeMs >= windowStart);

    const labels = await createClickHouseLabelSource({ client, database }).loadLabels({ startMs: windowStart, endMs: TO_MS });

    expect(labels.rowCount).toBe(inWindow.length);
    expect([...labels.departureTimesMs]).toEqual([...labels.departureTimesMs].sort((a, b) => a - b));
    const key = (t: number, o: string, d: string, miles: number) => `${t}|${o}|${d}|${miles}`;
    const actual = new Map<string, number>();
    for (let i = 0; i < labels.rowCount; i++) {
      actual.set(key(labels.departureTimesMs[i] as number, labels.origins[i] as string, labels.destinations[i] as string, labels.distancesMiles[i] as number), labels.labels[i] as number);
    }
    for (const f of inWindow) expect(actual.get(key(f.departureTimeMs, f.origin, f.destination, f.distanceMiles))).toBe(lateArrivalLabel(f.arrivalDelayMinutes));
  });

  it('gives a flight that left past midnight the time and label of its row, though its events are a day later', async () => {
    const rows = [];
    for await (const flight of readFlights({ fromMs: NIGHT_FROM_MS, toMs: NIGHT_TO_MS })) rows.push(flight);
    const slipped = rows.filter((row) => departedPastMidnight(row));
    expect(slipped.length).toBeGreaterThan(0);

    const labels = await createClickHouseLabelSource({ client, database }).loadLabels({ startMs: NIGHT_FROM_MS, endMs: NIGHT_TO_MS });

    // Every row of the window, each at its recorded time (the slipped ones included, none moved out), in order.
    expect([...labels.departureTimesMs]).toEqual(rows.map((row) => row.departureTimeMs));
    const labelOf = new Map<string, number>();
    for (let i = 0; i < labels.rowCount; i++) labelOf.set(`${labels.departureTimesMs[i]}|${labels.origins[i]}|${labels.destinations[i]}`, labels.labels[i] as number);
    for (const row of slipped) expect(labelOf.get(`${row.departureTimeMs}|${row.origin}|${row.destination}`)).toBe(lateArrivalLabel(row.arrivalDelayMinutes));
  });

  it('leaves out departures whose arrival is not recorded yet', async () => {
    const labels = await createClickHouseLabelSource({ client, database, maxArrivalDelayMs: 0 }).loadLabels({ startMs: FROM_MS, endMs: FROM_MS + 3_600_000 });
    // Arrivals are only searched up to the window's end: nothing departing in it has landed by then.
    expect(labels.rowCount).toBe(0);
  });
});
