import { setTimeout as sleep } from 'node:timers/promises';
import { metricSamples, sumByLabel } from '@tributary/observability';

/** What the ingestion service reports having done with the replayed events. */
export interface IngestionOutcome {
  readonly acceptedByType: ReadonlyMap<string, number>;
  readonly rejectedByReason: ReadonlyMap<string, number>;
  readonly duplicates: number;
  /** Events accounted for: accepted + rejected + duplicates. */
  readonly handled: number;
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
