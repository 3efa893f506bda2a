import { setTimeout as sleep } from 'node:timers/promises';
import { readFlights } from '@tributary/flights';
import { localEndpoints } from '@tributary/infra';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createLogger, metricSamples, sumByLabel } from '@tributary/observability';
import type { PlatformNames } from './platform-names.js';
import { publishFlights } from './publish.js';

/** What the ingestion service reports having done with the replayed events. */
export interface IngestionOutcome {
  readonly acceptedByType: ReadonlyMap<string, number>;
  readonly rejectedByReason: ReadonlyMap<string, number>;
  readonly duplicates: number;
  /** Events accounted for: accepted + rejected + duplicates. */
  readonly handled: number;
}

/** What a replay sent. */
export interface Replayed {
  readonly events: number;
  /** Event time of the last event sent, ms (naive local time read as UTC, like the dataset's). */
  readonly lastEventTimeMs: number;
  /** Departure of the last flight: labels (departures with a known outcome) end there. */
  readonly lastDepartureMs: number;
}

async function lastDepartureOf(flights: number): Promise<number> {
  let last = Number.NaN;
  for await (const flight of readFlights({ maxFlights: flights })) last = flight.departureTimeMs;
  return last;
}

/** Replays the first `flights` flights (two events each) into `events.raw` of the namespace. */
export async function replayFlights(flights: number, names: PlatformNames): Promise<Replayed> {
  const logger = createLogger({ name: 'cli', level: 'warn' });
  const kafka = createKafkaClient({ clientId: names.kafkaId('tributary-demo'), brokers: localEndpoints().kafkaBrokers, logger });
  const producer = createProducer({ kafka, source: '/tributary/cli/demo', logger });
  await producer.start();
  try {
    const progress = await publishFlights({ producer, topic: names.topic(topics.eventsRaw), maxFlights: flights, batchSize: 2000 });
    return { events: progress.events, lastEventTimeMs: progress.eventTimeMs, lastDepartureMs: await lastDepartureOf(flights) };
  } finally {
    await producer.close();
  }
}

async function readIngestionOutcome(opsPort: number): Promise<IngestionOutcome> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const acceptedByType = sumByLabel(metricSamples(text, 'tributary_ingest_events_accepted_total'), 'type');
  const rejectedByReason = sumByLabel(metricSamples(text, 'tributary_ingest_events_rejected_total'), 'reason');
  const duplicates = metricSamples(text, 'tributary_ingest_events_duplicate_total').reduce((sum, s) => sum + s.value, 0);
  const total = (counts: ReadonlyMap<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  return { acceptedByType, rejectedByReason, duplicates, handled: total(acceptedByType) + total(rejectedByReason) + duplicates };
}

/**
 * Polls the ingestion service's metrics until it has accounted for `expected`
 * events, or the timeout passes; returns what it counted either way.
 */
export async function waitForIngestion(opsPort: number, expected: number, timeoutMs: number): Promise<IngestionOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await readIngestionOutcome(opsPort);
    if (outcome.handled >= expected || Date.now() >= deadline) return outcome;
    await sleep(250);
  }
}
