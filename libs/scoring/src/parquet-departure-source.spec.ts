import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { departedEvent, readFlights, type Flight } from '@tributary/flights';
import { parquetWriteFile, type ColumnSource } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLIGHTS_SCHEMA, flightColumns, writeFlightsParquet } from './testing/flights-parquet.fixture.js';
import { InvalidFlightsFileError, InvalidScoringWindowError, createParquetDepartureSource, type Departure } from './index.js';

const FROM = Date.UTC(2001, 3, 2, 6);
const TO = Date.UTC(2001, 3, 2, 7);

async function collect(departures: AsyncIterable<readonly Departure[]>): Promise<Departure[]> {
  const all: Departure[] = [];
  for await (const page of departures) all.push(...page);
  return all;
}

describe('createParquetDepartureSource()', () => {
  let directory: string;
  let flights: Flight[];
  let valid: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'scoring-parquet-'));
    // An hour of the real dataset and the hours around it, so the window has something to cut.
    flights = [];
    for await (const flight of readFlights({ fromMs: FROM - 3_600_000, toMs: TO + 3_600_000 })) flights.push(flight);
    valid = join(directory, 'flights.parquet');
    writeFlightsParquet(valid, flights);
  });

  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('yields the flights of the window with the ids their replayed departure events carry', async () => {
    const source = createParquetDepartureSource({ path: valid, window: { fromMs: FROM, toMs: TO }, pageSize: 100 });
    const inWindow = flights.filter((f) => f.departureTimeMs >= FROM && f.departureTimeMs < TO);
    const departures = await collect(source.departures());
    expect(inWindow.length).toBeGreaterThan(200);
    expect(await source.count()).toBe(inWindow.length);
    expect(departures.map((d) => d.eventId)).toEqual(inWindow.map((f) => departedEvent(f).eventId));
    expect(departures[0]?.flight).toEqual({
      departureTimeMs: inWindow[0]?.departureTimeMs,
      origin: inWindow[0]?.origin,
      destination: inWindow[0]?.destination,
      distanceMiles: inWindow[0]?.distanceMiles,
    });
    expect(await source.identity()).toMatch(/^parquet:sha256:[0-9a-f]{64} \[2001-04-02T06:00, 2001-04-02T07:00\)$/);
  });

  it('names a file that is not Parquet, or is cut short', async () => {
    const text = join(directory, 'notes.parquet');
    await writeFile(text, 'origin,destination\nORD,LAX\n');
    const bytes = await readFile(valid);
    const truncated = join(directory, 'truncated.parquet');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    for (const path of [text, truncated, join(directory, 'absent.parquet')]) {
      const source = createParquetDepartureSource({ path });
      await expect(source.count()).rejects.toThrow(InvalidFlightsFileError);
      await expect(source.count()).rejects.toThrow(path);
    }
    await expect(createParquetDepartureSource({ path: text }).count()).rejects.toThrow(/not a readable Parquet file/);
  });

  it('says which column is missing or of the wrong type', async () => {
    const path = join(directory, 'wrong-schema.parquet');
    const columns = flightColumns(flights.slice(0, 10)).filter((c) => c.name !== 'delay');
    const distance = columns.find((c) => c.name === 'distance') as ColumnSource;
    parquetWriteFile({
      filename: path,
      columnData: columns.map((c) => (c === distance ? { name: 'distance', data: Float64Array.from(c.data as bigint[], Number) } : c)),
      schema: [
        { name: 'root', num_children: 4 },
        ...FLIGHTS_SCHEMA.filter((e) => e.name === 'date' || e.name === 'origin' || e.name === 'destination'),
        { name: 'distance', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
    });
    const failure = createParquetDepartureSource({ path }).count();
    await expect(failure).rejects.toThrow(InvalidFlightsFileError);
    await expect(createParquetDepartureSource({ path }).count()).rejects.toThrow(
      /not a flights file: column delay \(INT64\) is missing; column distance is DOUBLE, expected INT64/,
    );
  });

  it('fails on a corrupt data page before yielding anything', async () => {
    const bytes = Buffer.from(await readFile(valid));
    // Overwrite the middle of the column data (the footer at the end stays readable).
    bytes.fill(0xff, Math.floor(bytes.length * 0.3), Math.floor(bytes.length * 0.4));
    const path = join(directory, 'corrupt.parquet');
    await writeFile(path, bytes);
    await expect(createParquetDepartureSource({ path }).count()).rejects.toThrow(InvalidFlightsFileError);
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => createParquetDepartureSource({ path: valid, window: { fromMs: TO, toMs: FROM } })).toThrow(InvalidScoringWindowError);
  });
});
