import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FLIGHT_DEPARTED, MalformedFlightRowError, flightEventId, readFlights, type Flight } from '@tributary/flights';
import { asyncBufferFromFile, parquetMetadataAsync, type SchemaElement } from 'hyparquet';
import { checkWindow, formatWindow, type Departure, type DepartureSource, type DepartureWindow } from './departure-source.js';
import { InvalidFlightsFileError } from './errors.js';

/** Options of {@link createParquetDepartureSource}. */
export interface ParquetDepartureSourceOptions {
  /** A Parquet file with the columns of the flights dataset (see {@link FLIGHTS_PARQUET_COLUMNS}), sorted by `date`. */
  readonly path: string;
  /** Only the flights departing in it. Default: every flight of the file. */
  readonly window?: DepartureWindow;
  /** Departures per page. Default 10 000. */
  readonly pageSize?: number;
}

/** The columns a flights file must have, with the physical type and annotation each must carry (those of flights-3m.parquet). */
export const FLIGHTS_PARQUET_COLUMNS: Readonly<Record<string, { readonly type: string; readonly annotation?: string }>> = {
  date: { type: 'INT64', annotation: 'TIMESTAMP(MICROS)' },
  delay: { type: 'INT64' },
  distance: { type: 'INT64' },
  origin: { type: 'BYTE_ARRAY', annotation: 'STRING' },
  destination: { type: 'BYTE_ARRAY', annotation: 'STRING' },
};

/**
 * Flights from a Parquet file laid out like the dataset (`date`, `delay`,
 * `distance`, `origin`, `destination`), read with the flights library's own
 * reader so keys and event ids are the ones replayed events carry. The file is
 * checked before anything is scored: a file that is not Parquet, lacks a
 * column or has one of another type fails with {@link InvalidFlightsFileError}
 * naming what is wrong, and {@link DepartureSource.count} decodes every row in
 * the window, so a corrupt page fails the job before its first chunk.
 */
export function createParquetDepartureSource(options: ParquetDepartureSourceOptions): DepartureSource {
  const { path, window, pageSize = 10_000 } = options;
  if (window) checkWindow(window);
  const description = `${path}${window ? ` ${formatWindow(window)}` : ''}`;
  let checked: Promise<void> | undefined;
  const check = () => (checked ??= checkFlightsFile(path));

  async function* flights(): AsyncGenerator<Flight> {
    await check();
    try {
      yield* readFlights({ path, ...(window ? { fromMs: window.fromMs, toMs: window.toMs } : {}) });
    } catch (error) {
      if (error instanceof MalformedFlightRowError) throw new InvalidFlightsFileError(path, error.message, error);
      throw new InvalidFlightsFileError(path, `corrupt data: ${(error as Error).message}`, error);
    }
  }

  return {
    description,
    async identity() {
      await check();
      return `parquet:sha256:${await sha256OfFile(path)}${window ? ` ${formatWindow(window)}` : ''}`;
    },
    async count() {
      let count = 0;
      for await (const _flight of flights()) count++;
      return count;
    },
    async *departures() {
      let page: Departure[] = [];
      for await (const flight of flights()) {
        const { origin, destination, distanceMiles, departureTimeMs } = flight;
        page.push({ eventId: flightEventId(FLIGHT_DEPARTED, flight.flightKey), flight: { departureTimeMs, origin, destination, distanceMiles } });
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
  };
}

/** Opens the footer and checks the schema; every failure names the file and what to fix. */
async function checkFlightsFile(path: string): Promise<void> {
  let file;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    throw new InvalidFlightsFileError(path, `cannot open the file: ${(error as Error).message}`, error);
  }
  let schema: readonly SchemaElement[];
  try {
    schema = (await parquetMetadataAsync(file)).schema;
  } catch (error) {
    throw new InvalidFlightsFileError(path, `not a readable Parquet file: ${(error as Error).message}`, error);
  }
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(FLIGHTS_PARQUET_COLUMNS)) {
    const column = schema.find((element) => element.name === name && element.num_children === undefined);
    const wanted = `${expected.type}${expected.annotation ? ` ${expected.annotation}` : ''}`;
    if (!column) {
      problems.push(`column ${name} (${wanted}) is missing`);
      continue;
    }
    const found = `${column.type ?? 'group'}${annotationOf(column) ? ` ${annotationOf(column)}` : ''}`;
    if (column.type !== expected.type || (expected.annotation !== undefined && annotationOf(column) !== expected.annotation)) {
      problems.push(`column ${name} is ${found}, expected ${wanted}`);
    }
  }
  if (problems.length > 0) throw new InvalidFlightsFileError(path, `not a flights file: ${problems.join('; ')}`);
}

/** The column's logical type, in its newer spelling when only the older converted type is set. */
function annotationOf(column: SchemaElement): string | undefined {
  const logical = column.logical_type;
  if (logical?.type === 'TIMESTAMP') return `TIMESTAMP(${logical.unit})`;
  if (logical) return logical.type;
  if (column.converted_type === 'UTF8') return 'STRING';
  if (column.converted_type === 'TIMESTAMP_MICROS') return 'TIMESTAMP(MICROS)';
  if (column.converted_type === 'TIMESTAMP_MILLIS') return 'TIMESTAMP(MILLIS)';
  return column.converted_type;
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
