/**
 * What zero trust costs the inference service: a second instance of it with
 * mutual TLS and per-call authorization by the caller's SPIFFE id (the
 * certificates the project's tooling issues, as `tributary infra up --secure`
 * does), and ghz presenting a client identity. Sequential Predict runs
 * alternate between the plain and the mTLS instance, both warmed up alike,
 * so both meet the same load on the shared machine; the median run of each
 * is reported, with the CPU time each instance spent per request (from
 * /proc), which the machine's other load moves less than latency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServiceCertificates, type ClientTlsOptions } from '@tributary/grpc';
import { runGhz, type GhzReport, type GhzTls } from './ghz.js';
import { SEQUENTIAL_REQUESTS, TRIBUTARY_PREDICT, WARMUP_REQUESTS, sequential, warmUp } from './inference-requests.js';
import type { Measurement } from './results.js';
import { cpuSecondsOf } from './service-process.js';

/** Sequential runs per instance; each is {@link sequential}'s size. */
const ROUNDS = 7;
/** The identity ghz calls as: any authenticated identity may predict. */
const CLIENT_IDENTITY = 'bench-client';

/** An inference instance the caller started. */
export interface StartedInference {
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Options of {@link measureMtlsCost}. */
export interface MtlsCostOptions {
  /** The ghz binary. */
  readonly ghz: string;
  /** Predict requests in protobuf JSON. */
  readonly messages: readonly unknown[];
  /** The plain instance, already serving its primary model and warmed up (see warmUp). */
  readonly plain: Pick<StartedInference, 'address' | 'pid'>;
  /** The `ns` of the certificates' SPIFFE ids. */
  readonly namespace: string;
  /** Starts an instance with these extra settings, waiting for its primary model over a channel with `tls`. */
  readonly startInference: (settings: Readonly<Record<string, string>>, tls: ClientTlsOptions) => Promise<StartedInference>;
}

/** One sequential run and the CPU time the instance spent on it, µs per request. */
interface Run {
  readonly report: GhzReport;
  readonly cpuMicrosPerRequest: number;
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** `predict p50 ms mtls` beside the plain p50 of the same alternating runs, and their ratio. */
export async function measureMtlsCost(options: MtlsCostOptions): Promise<Measurement[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-inference-pki-'));
  let mtls: StartedInference | undefined;
  try {
    const { caFile, services } = await ensureServiceCertificates({ dir, namespace: options.namespace, services: ['inference', CLIENT_IDENTITY] });
    const [own, client] = [services['inference'], services[CLIENT_IDENTITY]];
    if (!own || !client) throw new Error('the bench certificates were not issued');
    const serverName = 'localhost';
    mtls = await options.startInference(
      { TLS_CERT_FILE: own.certFile, TLS_KEY_FILE: own.keyFile, TLS_CA_FILE: caFile, GRPC_AUTHORIZATION: 'identity' },
      { ca: { path: caFile }, cert: { path: client.certFile }, key: { path: client.keyFile }, serverName },
    );
    const tls: GhzTls = { caFile, certFile: client.certFile, keyFile: client.keyFile, serverName };
    const measure = async (instance: Pick<StartedInference, 'address' | 'pid'>, withTls: boolean): Promise<Run> => {
      const cpuBefore = cpuSecondsOf(instance.pid);
      const report = await runGhz(options.ghz, { ...sequential(instance.address, TRIBUTARY_PREDICT, options.messages), ...(withTls ? { tls } : {}) });
      return { report, cpuMicrosPerRequest: ((cpuSecondsOf(instance.pid) - cpuBefore) * 1e6) / (SEQUENTIAL_REQUESTS + WARMUP_REQUESTS) };
    };
    const runs = { plain: [] as Run[], mtls: [] as Run[] };
    const secureInstance = mtls;
    // Warmed up as the plain instance was (see warmUp): the two compare in the same steady state.
    await runGhz(options.ghz, { ...warmUp(secureInstance.address, TRIBUTARY_PREDICT, options.messages), tls });
    for (let round = 0; round < ROUNDS; round += 1) {
      const plainRun = () => measure(options.plain, false);
      const mtlsRun = () => measure(secureInstance, true);
      // Who goes first alternates, so neither side always meets the other's leftovers.
      if (round % 2 === 0) {
        runs.plain.push(await plainRun());
        runs.mtls.push(await mtlsRun());
      } else {
        runs.mtls.push(await mtlsRun());
        runs.plain.push(await plainRun());
      }
    }
    const p50 = (side: readonly Run[]) => median(side.map((run) => run.report.p50Ms));
    const cpu = (side: readonly Run[]) => median(side.map((run) => run.cpuMicrosPerRequest));
    const failed = [...runs.plain, ...runs.mtls].reduce((sum, { report }) => sum + report.count - (report.statuses['OK'] ?? 0), 0);
    console.log(`predict p50: ${p50(runs.plain).toFixed(3)} ms plain, ${p50(runs.mtls).toFixed(3)} ms with mTLS and authorization`);
    return [
      { name: 'predict p50 ms mtls', value: p50(runs.mtls), unit: 'ms' },
      { name: 'predict p99 ms mtls', value: median(runs.mtls.map((run) => run.report.p99Ms)), unit: 'ms' },
      { name: 'predict p50 ms plain, alternating with mtls', value: p50(runs.plain), unit: 'ms' },
      { name: 'predict mtls vs plain p50 ratio', value: p50(runs.mtls) / p50(runs.plain), unit: '×', target: '≤ 1.1' },
      { name: 'predict CPU per request µs mtls', value: cpu(runs.mtls), unit: 'µs' },
      { name: 'predict CPU per request µs plain', value: cpu(runs.plain), unit: 'µs' },
      { name: 'predict mtls vs plain CPU per request ratio', value: cpu(runs.mtls) / cpu(runs.plain), unit: '×', target: '≤ 1.1' },
      { name: 'failed requests in the mtls comparison', value: failed, unit: 'requests', target: '0' },
    ];
  } finally {
    await mtls?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
