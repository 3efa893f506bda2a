/**
 * What zero trust costs the inference service: a second instance of it with
 * mutual TLS and per-call authorization by the caller's SPIFFE id (the
 * certificates the project's tooling issues, as `tributary infra up --secure`
 * does), and ghz presenting a client identity. Sequential Predict runs
 * alternate between the plain and the mTLS instance, so both meet the same
 * load on the shared machine; the median run of each is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServiceCertificates, type ClientTlsOptions } from '@tributary/grpc';
import { runGhz, type GhzReport, type GhzTls } from './ghz.js';
import { TRIBUTARY_PREDICT, sequential } from './inference-requests.js';
import type { Measurement } from './results.js';

/** Sequential runs per instance; each is {@link sequential}'s size. */
const ROUNDS = 5;
/** The identity ghz calls as: any authenticated identity may predict. */
const CLIENT_IDENTITY = 'bench-client';

/** An inference instance the caller started. */
export interface StartedInference {
  readonly address: string;
  stop(): Promise<void>;
}

/** Options of {@link measureMtlsCost}. */
export interface MtlsCostOptions {
  /** The ghz binary. */
  readonly ghz: string;
  /** Predict requests in protobuf JSON. */
  readonly messages: readonly unknown[];
  /** The plain instance, already serving its primary model. */
  readonly plainAddress: string;
  /** The `ns` of the certificates' SPIFFE ids. */
  readonly namespace: string;
  /** Starts an instance with these extra settings, waiting for its primary model over a channel with `tls`. */
  readonly startInference: (settings: Readonly<Record<string, string>>, tls: ClientTlsOptions) => Promise<StartedInference>;
}

function medianRun(reports: readonly GhzReport[]): GhzReport {
  return [...reports].sort((a, b) => a.p50Ms - b.p50Ms)[Math.floor(reports.length / 2)] as GhzReport;
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
    const runs = { plain: [] as GhzReport[], mtls: [] as GhzReport[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const plainRun = () => runGhz(options.ghz, sequential(options.plainAddress, TRIBUTARY_PREDICT, options.messages));
      const address = mtls.address;
      const mtlsRun = () => runGhz(options.ghz, { ...sequential(address, TRIBUTARY_PREDICT, options.messages), tls });
      // Who goes first alternates, so neither side always meets the other's leftovers.
      if (round % 2 === 0) {
        runs.plain.push(await plainRun());
        runs.mtls.push(await mtlsRun());
      } else {
        runs.mtls.push(await mtlsRun());
        runs.plain.push(await plainRun());
      }
    }
    const [plain, secure] = [medianRun(runs.plain), medianRun(runs.mtls)];
    const failed = [...runs.plain, ...runs.mtls].reduce((sum, run) => sum + run.count - (run.statuses['OK'] ?? 0), 0);
    console.log(`predict p50: ${plain.p50Ms.toFixed(3)} ms plain, ${secure.p50Ms.toFixed(3)} ms with mTLS and authorization`);
    return [
      { name: 'predict p50 ms mtls', value: secure.p50Ms, unit: 'ms' },
      { name: 'predict p99 ms mtls', value: secure.p99Ms, unit: 'ms' },
      { name: 'predict p50 ms plain, alternating with mtls', value: plain.p50Ms, unit: 'ms' },
      { name: 'predict mtls vs plain p50 ratio', value: secure.p50Ms / plain.p50Ms, unit: '×', target: '≤ 1.1' },
      { name: 'failed requests in the mtls comparison', value: failed, unit: 'requests', target: '0' },
    ];
  } finally {
    await mtls?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
