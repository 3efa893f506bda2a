import { evaluateModel } from '@tributary/training';

/** One answer of the inference service, as the demo saw it. */
export interface ServedAnswer {
  readonly flightKey: string;
  /** Departure of the flight asked about (event time, ms). */
  readonly eventTimeMs: number;
  /** `v3 champion`, `v2 (champion's fallback)` when the fallback model answered, or `no model (champion)` when the rules or the default answered. */
  readonly version: string;
  readonly tier: string;
  readonly probability: number;
  /** Client-side round trip, ms. */
  readonly latencyMs: number;
  /** Features that had no value and took the model's declared default. */
  readonly defaulted: readonly string[];
}

/** What the answers of one version came to. */
export interface VersionServing {
  readonly version: string;
  readonly answers: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly tiers: ReadonlyMap<string, number>;
  /** Departures of the first and last flight it answered for (event time, ms). */
  readonly firstEventTimeMs: number;
  readonly lastEventTimeMs: number;
  /** Answers whose flight has arrived, and how good they were. */
  readonly judged: number;
  /** NaN while the judged answers hold one class only. */
  readonly auc: number;
  readonly meanProbability: number;
  readonly lateShare: number;
}

/** Everything served in a run. */
export interface ServingSummary {
  readonly asked: number;
  readonly answered: number;
  readonly failures: ReadonlyMap<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly tiers: ReadonlyMap<string, number>;
  readonly withDefaults: number;
  /** How often each feature took its declared default. */
  readonly defaultedFeatures: ReadonlyMap<string, number>;
  /** In the order each version first answered. */
  readonly versions: readonly VersionServing[];
}

/** Counts the answers of a run and, as the flights arrive, judges them. */
export interface ServingTally {
  /** Records an answer; returns true when its version answers for the first time. */
  answer(answer: ServedAnswer): boolean;
  /** Records a call that failed, by status name. */
  failure(code: string): void;
  /** The outcome of a flight: judges the answer given for it, if any. */
  outcome(flightKey: string, late: boolean): void;
  summary(): ServingSummary;
}

interface VersionState {
  answers: number;
  readonly latencies: number[];
  readonly tiers: Map<string, number>;
  firstEventTimeMs: number;
  lastEventTimeMs: number;
  readonly labels: number[];
  readonly probabilities: number[];
}

const add = (counts: Map<string, number>, key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);

/** Nearest-rank percentile of ascending samples; NaN with none. */
export function percentile(ascending: readonly number[], p: number): number {
  return ascending[Math.max(0, Math.ceil((p / 100) * ascending.length) - 1)] ?? Number.NaN;
}

const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);

/** An empty tally. */
export function createServingTally(): ServingTally {
  const byVersion = new Map<string, VersionState>();
  /** Answers waiting for their flight's arrival: version and probability. */
  const awaiting = new Map<string, { readonly version: VersionState; readonly probability: number }>();
  const failures = new Map<string, number>();
  let withDefaults = 0;
  const defaultedFeatures = new Map<string, number>();

  return {
    answer(answer) {
      let state = byVersion.get(answer.version);
      const first = state === undefined;
      if (!state) {
        state = { answers: 0, latencies: [], tiers: new Map(), firstEventTimeMs: answer.eventTimeMs, lastEventTimeMs: answer.eventTimeMs, labels: [], probabilities: [] };
        byVersion.set(answer.version, state);
      }
      state.answers++;
      state.latencies.push(answer.latencyMs);
      add(state.tiers, answer.tier);
      state.firstEventTimeMs = Math.min(state.firstEventTimeMs, answer.eventTimeMs);
      state.lastEventTimeMs = Math.max(state.lastEventTimeMs, answer.eventTimeMs);
      if (answer.defaulted.length > 0) withDefaults++;
      for (const feature of answer.defaulted) add(defaultedFeatures, feature);
      awaiting.set(answer.flightKey, { version: state, probability: answer.probability });
      return first;
    },
    failure(code) {
      add(failures, code);
    },
    outcome(flightKey, late) {
      const served = awaiting.get(flightKey);
      if (!served) return;
      awaiting.delete(flightKey);
      served.version.labels.push(late ? 1 : 0);
      served.version.probabilities.push(served.probability);
    },
    summary() {
      const all: number[] = [];
      const tiers = new Map<string, number>();
      const versions = [...byVersion].map(([version, state]): VersionServing => {
        const sorted = [...state.latencies].sort((a, b) => a - b);
        all.push(...sorted);
        for (const [tier, n] of state.tiers) add(tiers, tier, n);
        const late = state.labels.reduce((a, b) => a + b, 0);
        const bothClasses = late > 0 && late < state.labels.length;
        return {
          version,
          answers: state.answers,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          tiers: state.tiers,
          firstEventTimeMs: state.firstEventTimeMs,
          lastEventTimeMs: state.lastEventTimeMs,
          judged: state.labels.length,
          auc: bothClasses ? evaluateModel(state.labels, state.probabilities).auc : Number.NaN,
          meanProbability: mean(state.probabilities),
          lateShare: state.labels.length === 0 ? Number.NaN : late / state.labels.length,
        };
      });
      all.sort((a, b) => a - b);
      const failed = [...failures.values()].reduce((a, b) => a + b, 0);
      return { asked: all.length + failed, answered: all.length, failures, p50Ms: percentile(all, 50), p99Ms: percentile(all, 99), tiers, withDefaults, defaultedFeatures, versions };
    },
  };
}
