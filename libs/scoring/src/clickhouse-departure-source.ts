import type { ClickHouseClient } from '@clickhouse/client';
import { createRawEventReader } from '@tributary/ingest';
import { checkWindow, formatWindow, type Departure, type DepartureSource, type DepartureWindow } from './departure-source.js';
import { ScoringStoreError } from './errors.js';

/** Options of {@link createClickHouseDepartureSource}. */
export interface ClickHouseDepartureSourceOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Database of the raw events. Default `tributary`. */
  readonly database?: string;
  /** The table ingestion writes every accepted event to. Default `events_raw`. */
  readonly table?: string;
  readonly window: DepartureWindow;
}

/**
 * The `flight.departed` events ingestion stored, one row per event id, in the
 * window by the departure their dataset row records — the flight key's minute,
 * the trainer's label time: a flight that left past midnight has its event a
 * day later, but its row, features and attributes keep the recorded time.
 * Ordered by that time, then event id. Read through ingestion's own reader of
 * the table (`departures` of @tributary/ingest).
 */
export function createClickHouseDepartureSource(options: ClickHouseDepartureSourceOptions): DepartureSource {
  const { client, database = 'tributary', table = 'events_raw', window } = options;
  checkWindow(window);
  const rawEvents = createRawEventReader({ client, database, table });
  const description = `${rawEvents.table} ${formatWindow(window)}`;

  return {
    description,
    async identity() {
      return `clickhouse:${description}`;
    },
    async count() {
      try {
        return await rawEvents.countDepartures(window);
      } catch (error) {
        throw new ScoringStoreError(`counting the departures of ${description}`, error);
      }
    },
    async *departures() {
      try {
        for await (const recorded of rawEvents.departures(window)) {
          yield recorded.map(({ eventId, rowMs, origin, destination, distanceMiles }): Departure => ({
            eventId,
            flight: { departureTimeMs: rowMs, origin, destination, distanceMiles },
          }));
        }
      } catch (error) {
        throw new ScoringStoreError(`reading the departures of ${description}`, error);
      }
    },
  };
}
