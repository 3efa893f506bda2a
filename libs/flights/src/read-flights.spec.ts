import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidFlightsReadOptionsError, flightKey, flightsParquetPath, readFlights, type Flight } from './index.js';

async function collect(flights: AsyncIterable<Flight>): Promise<Flight[]> {
  const out: Flight[] = [];
  for await (const flight of flights) out.push(flight);
  return out;
}

describe('flightsParquetPath()', () => {
  it('finds flights-3m.parquet in the installed vega-datasets package', () => {
    const path = flightsParquetPath();
    expect(basename(path)).toBe('flights-3m.parquet');
    expect(path).toContain('vega-datasets');
    expect(existsSync(path)).toBe(true);
  });
});

describe('readFlights()', () => {
  let head: Flight[];
  beforeAll(async () => {
    head = await collect(readFlights({ maxFlights: 3000 }));
  });

  it('reads the first flights of 1 January 2001 in departure order', () => {
    expect(head).toHaveLength(3000);
    expect(new Date(head[0]?.departureTimeMs ?? 0).toISOString()).toBe('2001-01-01T00:01:00.000Z');
    for (let i = 1; i < head.length; i++) {
      expect(head[i]?.departureTimeMs).toBeGreaterThanOrEqual(head[i - 1]?.departureTimeMs ?? Infinity);
    }
  });

  it('turns the BigInt columns into numbers and the codes into strings', () => {
    for (const flight of head) {
      expect(Number.isInteger(flight.arrivalDelayMinutes)).toBe(true);
      expect(flight.distanceMiles).toBeGreaterThan(0);
      expect(flight.origin).toMatch(/^[A-Z0-9]{3}$/);
      expect(flight.destination).toMatch(/^[A-Z0-9]{3}$/);
    }
  });

  it('gives every flight a unique key made of minute, route and rank', () => {
    expect(new Set(head.map((f) => f.flightKey)).size).toBe(head.length);
    const first = head[0] as Flight;
    expect(first.flightKey).toBe(flightKey(first.departureTimeMs, first.origin, first.destination, 1));
    expect(head.some((f) => f.flightKey.endsWith('-2'))).toBe(true);
  });

  it('selects a time range by departure and keys its flights as a full read does', async () => {
    const fromMs = (head[1000] as Flight).departureTimeMs;
    const toMs = (head[2000] as Flight).departureTimeMs;
    const slice = await collect(readFlights({ fromMs, toMs }));
    const expected = head.filter((f) => f.departureTimeMs >= fromMs && f.departureTimeMs < toMs);
    expect(slice.length).toBeGreaterThan(0);
    expect(slice).toEqual(expected);
  });

  it('skips to a later row group for a range starting in March', async () => {
    const fromMs = Date.UTC(2001, 2, 1);
    const slice = await collect(readFlights({ fromMs, maxFlights: 5 }));
    expect(slice).toHaveLength(5);
    expect(new Date((slice[0] as Flight).departureTimeMs).toISOString().slice(0, 10)).toBe('2001-03-01');
  });

  it('rejects a time range that ends before it starts', async () => {
    await expect(collect(readFlights({ fromMs: 10, toMs: 10 }))).rejects.toBeInstanceOf(InvalidFlightsReadOptionsError);
  });
});
