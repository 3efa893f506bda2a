import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { AsyncBuffer, ColumnData, DecodedArray, FileMetaData, ParquetParsers, RowGroup } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InvalidFlightsReadOptionsError, MalformedFlightRowError } from './errors.js';
import { FlightKeys } from './flight-key.js';
import { flightsParquetPath } from './flights-parquet-path.js';

/** One row of the dataset, with the key that names the flight in its events. */
export interface Flight {
  /** See {@link flightKey}: departure minute, route and rank, e.g. `20010101T0001-LAS-PHL-1`. */
  readonly flightKey: string;
  /**
   * Actual departure in the origin airport's local time, which the dataset
   * gives without a time zone: kept naive, as milliseconds since the epoch of
   * that wall-clock reading taken as if it were UTC.
   */
  readonly departureTimeMs: number;
  /** Arrival delay in minutes; negative when early. Not range-checked here (see ARRIVAL_DELAY_MINUTES_RANGE). */
  readonly arrivalDelayMinutes: number;
  /** Great-circle distance of the route in miles. */
  readonly distanceMiles: number;
  /** IATA code of the departure airport. */
  readonly origin: string;
  /** IATA code of the arrival airport. */
  readonly destination: string;
}

/** Options of {@link readFlights}: which slice of the dataset to read. */
export interface ReadFlightsOptions {
  /** First departure to include (naive local time as if UTC, ms), inclusive. Default: from the first flight. */
  readonly fromMs?: number;
  /** Departures at or after this (naive local time as if UTC, ms) are left out. Default: up to the last flight. */
  readonly toMs?: number;
  /** Stop after this many flights. Default: no limit. */
  readonly maxFlights?: number;
  /** The parquet file. Default: {@link flightsParquetPath}, the file of the vega-datasets package. */
  readonly path?: string;
}

/** The columns of flights-3m.parquet, in the order they are read. */
const COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination'] as const;
type Column = (typeof COLUMNS)[number];

/** Timestamps as plain milliseconds (no Date per row); the file stores microseconds. */
const parsers: Partial<ParquetParsers> = { timestampFromMicroseconds: (micros: bigint) => Number(micros / 1000n) };

/**
 * Streams the flights of the dataset in file order, which is departure-time
 * order, one row group (≈ 273k rows) decoded at a time. Row groups outside
 * `fromMs`/`toMs` are skipped by their statistics without being decoded.
 *
 * @throws InvalidFlightsReadOptionsError when the options contradict each other.
 * @throws MalformedFlightRowError on a null value or a departure earlier than the one before.
 */
export async function* readFlights(options: ReadFlightsOptions = {}): AsyncGenerator<Flight> {
  const { fromMs = -Infinity, toMs = Infinity, maxFlights = Infinity } = options;
  if (!(fromMs < toMs)) throw new InvalidFlightsReadOptionsError(`fromMs (${fromMs}) must be before toMs (${toMs})`);
  if (!(maxFlights >= 0)) throw new InvalidFlightsReadOptionsError(`maxFlights (${maxFlights}) must not be negative`);
  if (maxFlights === 0) return;

  const file = await asyncBufferFromFile(options.path ?? flightsParquetPath());
  const metadata = await parquetMetadataAsync(file, { parsers });
  const keys = new FlightKeys();
  let emitted = 0;
  let previousMs = -Infinity;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const [minMs, maxMs] = departureBounds(group);
    if (minMs >= toMs) return;
    if (maxMs >= fromMs) {
      const columns = await readRowGroup(file, metadata, groupStart, groupEnd);
      for (let row = groupStart; row < groupEnd; row++) {
        const flight = flightAt(columns, row, groupStart, keys);
        if (flight.departureTimeMs < previousMs) {
          throw new MalformedFlightRowError(row, 'departure earlier than the row before: the file is not sorted by time');
        }
        previousMs = flight.departureTimeMs;
        if (flight.departureTimeMs < fromMs) continue;
        if (flight.departureTimeMs >= toMs) return;
        yield flight;
        if (++emitted >= maxFlights) return;
      }
    }
    groupStart = groupEnd;
  }
}

/** Decoded columns of one row group. */
type RowGroupColumns = Record<Column, DecodedArray>;

async function readRowGroup(file: AsyncBuffer, metadata: FileMetaData, rowStart: number, rowEnd: number): Promise<RowGroupColumns> {
  const chunks = new Map<string, ColumnData>();
  await parquetRead({
    file,
    metadata,
    compressors,
    parsers,
    columns: [...COLUMNS],
    rowStart,
    rowEnd,
    onChunk: (chunk) => chunks.set(chunk.columnName, chunk),
  });
  const columnOf = (name: Column): DecodedArray => {
    const chunk = chunks.get(name);
    // A column chunk spans its whole row group; anything else would misalign rows.
    if (!chunk || chunk.rowStart !== rowStart || chunk.rowEnd !== rowEnd) {
      throw new MalformedFlightRowError(rowStart, `column ${name} does not cover rows ${rowStart}–${rowEnd}`);
    }
    return chunk.columnData;
  };
  return {
    date: columnOf('date'),
    delay: columnOf('delay'),
    distance: columnOf('distance'),
    origin: columnOf('origin'),
    destination: columnOf('destination'),
  };
}

function flightAt(columns: RowGroupColumns, row: number, groupStart: number, keys: FlightKeys): Flight {
  const i = row - groupStart;
  const date: unknown = columns.date[i];
  const delay: unknown = columns.delay[i];
  const distance: unknown = columns.distance[i];
  const origin: unknown = columns.origin[i];
  const destination: unknown = columns.destination[i];
  if (typeof date !== 'number' || typeof delay !== 'bigint' || typeof distance !== 'bigint') {
    throw new MalformedFlightRowError(row, 'date, delay or distance is null or of an unexpected type');
  }
  if (typeof origin !== 'string' || typeof destination !== 'string') {
    throw new MalformedFlightRowError(row, 'origin or destination is null');
  }
  return {
    flightKey: keys.next(date, origin, destination),
    departureTimeMs: date,
    arrivalDelayMinutes: Number(delay),
    distanceMiles: Number(distance),
    origin,
    destination,
  };
}

/** Departure-time bounds of a row group from its statistics; unbounded when the file has none. */
function departureBounds(group: RowGroup): [number, number] {
  const statistics = group.columns[COLUMNS.indexOf('date')]?.meta_data?.statistics;
  const min = statistics?.min_value ?? statistics?.min;
  const max = statistics?.max_value ?? statistics?.max;
  return [typeof min === 'number' ? min : -Infinity, typeof max === 'number' ? max : Infinity];
}
