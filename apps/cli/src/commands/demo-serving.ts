import { setTimeout as sleep } from 'node:timers/promises';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { InferenceService, ServingTier, type PredictResponse } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { departedEvent, readFlights, type FlightDepartedEvent } from '@tributary/flights';
import { createGrpcChannel, createGrpcClient, type GrpcChannel } from '@tributary/grpc';
import { evaluateModel, lateArrivalLabel } from '@tributary/training';

/** Options of {@link serveNextFlights}. */
export interface ServeNextFlightsOptions {
  /** The inference service's gRPC address, `host:port`. */
  readonly address: string;
  readonly modelName: string;
  /** Flights of the dataset already replayed; the ones after them are served. */
  readonly after: number;
  /** How many of the following flights to ask about. Default 2,000. */
  readonly flights?: number;
  /** Clients, each with its own connection, asking one flight at a time. Default 4. */
  readonly clients?: number;
  /** Deadline of each Predict call, ms. Default 1,000. */
  readonly deadlineMs?: number;
  /** How long to wait for the service to answer from the promoted model before measuring, ms. Default 60,000. */
  readonly readyTimeoutMs?: number;
}

/** What the serving step saw. */
export interface ServingReport {
  readonly asked: number;
  readonly answered: number;
  /** Failed calls by status name. */
  readonly failures: ReadonlyMap<string, number>;
  /** Client-side round trips of the answered calls, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers by the tier that served them. */
  readonly tiers: ReadonlyMap<string, number>;
  /** Answers by version and alias, e.g. `v3 champion`. */
  readonly versions: ReadonlyMap<string, number>;
  /** Answers in which at least one feature had no online value. */
  readonly withDefaults: number;
  /** AUC of the served probabilities against the flights' outcomes (arrived ≥ 15 min late); NaN with one class only. */
  readonly auc: number;
  readonly lateShare: number;
  /** Whether the primary model answered before measuring began (false: the service never loaded it in time). */
  readonly primaryReady: boolean;
}

const tierNames: Record<ServingTier, string> = {
  [ServingTier.UNSPECIFIED]: 'unspecified',
  [ServingTier.PRIMARY]: 'primary',
  [ServingTier.FALLBACK_MODEL]: 'fallback model',
  [ServingTier.RULES]: 'rules',
  [ServingTier.DEFAULT]: 'default',
};

interface ServedFlight {
  readonly event: FlightDepartedEvent;
  readonly late: 0 | 1;
}

async function followingFlights(after: number, count: number): Promise<ServedFlight[]> {
  const served: ServedFlight[] = [];
  let index = 0;
  for await (const flight of readFlights({ maxFlights: after + count })) {
    if (index++ >= after) served.push({ event: departedEvent(flight), late: lateArrivalLabel(flight.arrivalDelayMinutes) });
  }
  return served;
}

function predictOne(channel: GrpcChannel, modelName: string, flight: FlightDepartedEvent, deadlineMs: number): Promise<PredictResponse> {
  return createGrpcClient(InferenceService, channel).predict(
    {
      modelName,
      flight: { origin: flight.origin, destination: flight.destination, departureTime: timestampFromMs(flight.departureTimeMs), distanceMiles: flight.distanceMiles },
      eventId: flight.eventId,
      requestId: `demo-${flight.eventId}`,
    },
    { timeoutMs: deadlineMs },
  );
}

/** Asks until the primary model answers (the service loads a new champion in the background after the promotion), or the time is up. */
async function waitForPrimary(channel: GrpcChannel, modelName: string, flight: FlightDepartedEvent, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await predictOne(channel, modelName, flight, 1_000)).servedBy === ServingTier.PRIMARY) return true;
    } catch {
      // Not loaded or not reachable yet: ask again.
    }
    await sleep(500);
  }
  return false;
}

const add = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Nearest-rank percentile of ascending samples. */
const rank = (ascending: readonly number[], p: number) => ascending[Math.max(0, Math.ceil((p / 100) * ascending.length) - 1)] ?? Number.NaN;

/**
 * The demo's serving step: the flights that follow the replayed window, each
 * asked of the inference service over gRPC (its features read online as of
 * its departure, its `flight.departed` event id passed for the prediction
 * log) by several clients at once; then, as the outcomes become known (the
 * dataset has them), how good the served answers were.
 */
export async function serveNextFlights(options: ServeNextFlightsOptions): Promise<ServingReport> {
  const { address, modelName, after, flights = 2_000, clients = 4, deadlineMs = 1_000, readyTimeoutMs = 60_000 } = options;
  const served = await followingFlights(after, flights);
  if (served.length === 0) throw new TributaryError(Code.InvalidArgument, `the dataset has no flights after the first ${after}`);
  const channels = Array.from({ length: clients }, () => createGrpcChannel({ address }));
  try {
    const primaryReady = await waitForPrimary(channels[0] as GrpcChannel, modelName, (served[0] as ServedFlight).event, readyTimeoutMs);
    const answers: ({ response: PredictResponse; ms: number } | undefined)[] = new Array(served.length);
    const failures = new Map<string, number>();
    let next = 0;
    await Promise.all(
      channels.map(async (channel) => {
        for (let i = next++; i < served.length; i = next++) {
          const started = performance.now();
          try {
            const response = await predictOne(channel, modelName, (served[i] as ServedFlight).event, deadlineMs);
            answers[i] = { response, ms: performance.now() - started };
          } catch (error) {
            add(failures, Code[TributaryError.from(error).code] ?? 'Unknown');
          }
        }
      }),
    );
    const tiers = new Map<string, number>();
    const versions = new Map<string, number>();
    const latencies: number[] = [];
    const labels: number[] = [];
    const probabilities: number[] = [];
    let withDefaults = 0;
    answers.forEach((answer, i) => {
      if (!answer) return;
      const { response, ms } = answer;
      add(tiers, tierNames[response.servedBy]);
      add(versions, response.modelVersion > 0 ? `v${response.modelVersion} ${response.alias}` : `no model (${response.alias || 'no alias'})`);
      if (response.defaultedFeatures.length > 0) withDefaults++;
      latencies.push(ms);
      labels.push((served[i] as ServedFlight).late);
      probabilities.push(response.probability);
    });
    latencies.sort((a, b) => a - b);
    const late = labels.reduce((sum, y) => sum + y, 0);
    const bothClasses = late > 0 && late < labels.length;
    return {
      asked: served.length,
      answered: latencies.length,
      failures,
      p50Ms: rank(latencies, 50),
      p99Ms: rank(latencies, 99),
      tiers,
      versions,
      withDefaults,
      auc: bothClasses ? evaluateModel(labels, probabilities).auc : Number.NaN,
      lateShare: labels.length > 0 ? late / labels.length : Number.NaN,
      primaryReady,
    };
  } finally {
    for (const channel of channels) channel.close();
  }
}

const listCounts = (counts: ReadonlyMap<string, number>) => [...counts].map(([key, n]) => `${key} ${n.toLocaleString('en-US')}`).join(', ') || 'none';

/** The report as lines for the demo's output. */
export function formatServingReport(report: ServingReport, clients: number): string[] {
  return [
    ...(report.primaryReady ? [] : ['the primary model did not answer within the wait: the answers below come from the fallback tiers']),
    `answered ${report.answered.toLocaleString('en-US')} of ${report.asked.toLocaleString('en-US')} flights (${clients} gRPC clients); failed: ${listCounts(report.failures)}`,
    `round trip p50 ${report.p50Ms.toFixed(2)} ms, p99 ${report.p99Ms.toFixed(2)} ms (client side, features read online per flight)`,
    `served by ${listCounts(report.tiers)}; versions ${listCounts(report.versions)}`,
    `${report.withDefaults.toLocaleString('en-US')} answers had features with no online value (the model's declared defaults were used)`,
    `outcomes known: ${(report.lateShare * 100).toFixed(1)} % arrived ≥ 15 min late; AUC of the served probabilities ${Number.isNaN(report.auc) ? '– (one class only)' : report.auc.toFixed(4)}`,
  ];
}
