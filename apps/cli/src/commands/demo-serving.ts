import { setTimeout as sleep } from 'node:timers/promises';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InferenceService, ServingTier, type PredictResponse } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import type { FlightDepartedEvent } from '@tributary/flights';
import { createGrpcChannel, createGrpcClient, type Client } from '@tributary/grpc';
import type { ServedAnswer, ServingSummary, ServingTally } from './demo-serving-tally.js';
import { operatorChannelSecurity } from './operator-channel.js';

/** Options of {@link createDemoPredictor}. */
export interface DemoPredictorOptions {
  /** The inference service's gRPC address, `host:port`. */
  readonly address: string;
  readonly modelName: string;
  /** Clients, each with its own connection, asking one flight at a time. Default 4. */
  readonly clients?: number;
  /** Deadline of each Predict call, ms. Default 1,000. */
  readonly deadlineMs?: number;
}

/** What one call of {@link DemoPredictor.predict} got. */
export interface PredictedSlice {
  readonly answered: number;
  /** The versions that answered (`v3 champion`, …). */
  readonly versions: ReadonlySet<string>;
  /** Those whose primary model answered for the first time in the tally: where inference swapped to a new version. */
  readonly firsts: readonly string[];
}

/** Asks the inference service about departing flights, as gRPC clients would. */
export interface DemoPredictor {
  /** Asks about each flight (its features read online, its event id logged with the answer); every answer or failure goes to `tally`. */
  predict(departures: readonly FlightDepartedEvent[], tally: ServingTally): Promise<PredictedSlice>;
  /** Asks about `flight` until the primary model answers, or the time is up; whether it did. */
  waitForPrimary(flight: FlightDepartedEvent, timeoutMs: number): Promise<boolean>;
  /** Closes the connections; idempotent. */
  close(): void;
}

const tierNames: Record<ServingTier, string> = {
  [ServingTier.UNSPECIFIED]: 'unspecified',
  [ServingTier.PRIMARY]: 'primary',
  [ServingTier.FALLBACK_MODEL]: 'fallback model',
  [ServingTier.RULES]: 'rules',
  [ServingTier.DEFAULT]: 'default',
};

type InferenceClient = Client<typeof InferenceService>;

function predictOne(client: InferenceClient, modelName: string, flight: FlightDepartedEvent, deadlineMs: number): Promise<PredictResponse> {
  return client.predict(
    {
      modelName,
      flight: { origin: flight.origin, destination: flight.destination, departureTime: timestampFromMs(flight.departureTimeMs), distanceMiles: flight.distanceMiles },
      eventId: flight.eventId,
      requestId: `demo-${flight.eventId}`,
    },
    { timeoutMs: deadlineMs },
  );
}

/** `v4 champion`; `v3 (champion's fallback)` when the fallback model answered; `no model (champion)` for rules or the default. */
function versionLabel(response: PredictResponse): string {
  if (response.modelVersion <= 0) return `no model (${response.alias || 'no alias'})`;
  return response.servedBy === ServingTier.FALLBACK_MODEL ? `v${response.modelVersion} (${response.alias}'s fallback)` : `v${response.modelVersion} ${response.alias}`;
}

/** The answer as the tally counts it. */
export function servedAnswer(flight: FlightDepartedEvent, response: PredictResponse, latencyMs: number): ServedAnswer {
  return {
    flightKey: flight.flightKey,
    eventTimeMs: flight.departureTimeMs,
    version: versionLabel(response),
    tier: tierNames[response.servedBy],
    probability: response.probability,
    latencyMs,
    defaulted: response.defaultedFeatures,
  };
}

/**
 * The demo's gRPC clients: several connections, each asking one flight at a
 * time with its `flight.departed` event id, so the inference service logs the
 * prediction where the drift monitor can join the flight's outcome.
 */
export function createDemoPredictor(options: DemoPredictorOptions): DemoPredictor {
  const { address, modelName, clients = 4, deadlineMs = 1_000 } = options;
  const channels = Array.from({ length: clients }, () => createGrpcChannel({ address, ...operatorChannelSecurity({}) }));
  const inference = channels.map((channel) => createGrpcClient(InferenceService, channel));
  let closed = false;
  return {
    async predict(departures, tally) {
      const firsts: string[] = [];
      const versions = new Set<string>();
      let answered = 0;
      let next = 0;
      await Promise.all(
        inference.map(async (client) => {
          for (let i = next++; i < departures.length; i = next++) {
            const flight = departures[i] as FlightDepartedEvent;
            const started = performance.now();
            try {
              const answer = servedAnswer(flight, await predictOne(client, modelName, flight, deadlineMs), performance.now() - started);
              answered++;
              versions.add(answer.version);
              if (tally.answer(answer) && answer.tier === 'primary') firsts.push(answer.version);
            } catch (error) {
              tally.failure(Code[TributaryError.from(error).code] ?? 'Unknown');
            }
          }
        }),
      );
      return { answered, versions, firsts };
    },
    async waitForPrimary(flight, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          if ((await predictOne(inference[0] as InferenceClient, modelName, flight, 1_000)).servedBy === ServingTier.PRIMARY) return true;
        } catch {
          // Not loaded or not reachable yet: ask again.
        }
        await sleep(500);
      }
      return false;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const channel of channels) channel.close();
    },
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const listCounts = (counts: ReadonlyMap<string, number>) => [...counts].map(([key, n]) => `${key} ${count(n)}`).join(', ') || 'none';
const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '–' : value.toFixed(digits));

/** `: origin.out_delay_mean_1h 1,234, …` — the features most often missing online. */
function mostDefaulted(features: ReadonlyMap<string, number>, shown = 3): string {
  const top = [...features].sort((a, b) => b[1] - a[1]).slice(0, shown);
  return top.length === 0 ? '' : `, most often ${listCounts(new Map(top))}${features.size > shown ? ', …' : ''}`;
}

/** The serving part of the report: totals, latency, tiers, then each version's answers and how good they were once the flights arrived. */
export function formatServingSummary(summary: ServingSummary, clients: number): string[] {
  return [
    `answered ${count(summary.answered)} of ${count(summary.asked)} departing flights (${clients} gRPC clients, Predict with the flight's event id); failed: ${listCounts(summary.failures)}`,
    `round trip p50 ${fixed(summary.p50Ms, 2)} ms, p99 ${fixed(summary.p99Ms, 2)} ms (client side, features read online per flight); served by ${listCounts(summary.tiers)}`,
    `${count(summary.withDefaults)} answers had features with no online value (the model's declared defaults were used)${mostDefaulted(summary.defaultedFeatures)}`,
    ...summary.versions.map(
      (v) =>
        `  ${v.version.padEnd(22)}${count(v.answers).padStart(9)} answers  p50 ${fixed(v.p50Ms, 2)} ms  p99 ${fixed(v.p99Ms, 2)} ms  ${listCounts(v.tiers)}; ` +
        `${count(v.judged)} outcomes: AUC ${fixed(v.auc, 4)}, predicted ${fixed(v.meanProbability * 100, 1)} % vs observed ${fixed(v.lateShare * 100, 1)} % late`,
    ),
  ];
}
