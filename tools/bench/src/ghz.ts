/**
 * ghz, the gRPC load generator, as the inference benchmark's standard client:
 * built once with `go install` (offline through the Go module proxy) into
 * `.tributary/tools/ghz-<version>`, then run against a server with a proto,
 * a method and request messages as JSON; its JSON report is read back.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The ghz release the benchmark runs. */
export const GHZ_VERSION = 'v0.120.0';

/** The ghz binary, built with `go install` on first use. */
export function installGhz(): string {
  const dir = resolve('.tributary', 'tools', `ghz-${GHZ_VERSION}`);
  const binary = join(dir, 'ghz');
  if (existsSync(binary)) return binary;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`building ghz ${GHZ_VERSION} needs Go (1.21 or later) on the PATH: install it (e.g. apt-get install golang-go) and run again`);
  }
  console.log(`building ghz ${GHZ_VERSION} with go install into ${dir} (once; a few minutes)`);
  mkdirSync(dir, { recursive: true });
  execFileSync('go', ['install', `github.com/bojand/ghz/cmd/ghz@${GHZ_VERSION}`], { stdio: 'inherit', env: { ...process.env, GOBIN: dir } });
  return binary;
}

/** Mutual TLS of a ghz run: the CA the server is verified against and the client identity ghz presents. */
export interface GhzTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Name the server certificate is verified for, e.g. `localhost`. */
  readonly serverName: string;
}

/** One ghz run. */
export interface GhzOptions {
  /** Fully qualified method, e.g. `tributary.v1.InferenceService.Predict`. */
  readonly call: string;
  /** The .proto declaring it, and the roots its imports resolve from. */
  readonly proto: string;
  readonly importPaths: readonly string[];
  /** `host:port`. */
  readonly address: string;
  /** Mutual TLS. Default: plaintext. */
  readonly tls?: GhzTls;
  /** Request messages in protobuf JSON; ghz sends them round-robin. */
  readonly messages: readonly unknown[];
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Requests sent in all (after `skipFirst`, which are sent first and left out of the report). */
  readonly total: number;
  /** Warm-up requests left out of the report. Default 0. */
  readonly skipFirst?: number;
  /** Rate cap in requests per second. Default: none, as fast as the server answers. */
  readonly rps?: number;
  /** HTTP/2 connections the concurrency is spread over. Default 1. */
  readonly connections?: number;
  /** Deadline of each request, ms. Default 20 000 (ghz's own). */
  readonly timeoutMs?: number;
}

/** What a ghz run measured. */
export interface GhzReport {
  readonly count: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Calls per gRPC status name (`OK`, `ResourceExhausted`, …). */
  readonly statuses: Readonly<Record<string, number>>;
  /** p99 latency of the calls with status `status`, ms (ghz's details, one entry per call). */
  p99OfStatus(status: string): number;
}

interface GhzJson {
  readonly count: number;
  readonly rps: number;
  readonly latencyDistribution: readonly { readonly percentage: number; readonly latency: number }[] | null;
  readonly statusCodeDistribution: Readonly<Record<string, number>> | null;
  readonly details: readonly { readonly latency: number; readonly status: string }[] | null;
}

/** Runs ghz (as a child process, so a server in this process keeps answering) and reads its report; latencies in ms. */
export async function runGhz(ghz: string, options: GhzOptions): Promise<GhzReport> {
  const dir = resolve('.tributary', 'bench-inference', 'ghz');
  mkdirSync(dir, { recursive: true });
  const dataFile = join(dir, 'data.json');
  const reportFile = join(dir, 'report.json');
  writeFileSync(dataFile, JSON.stringify(options.messages));
  rmSync(reportFile, { force: true });
  const skipFirst = options.skipFirst ?? 0;
  const tls = options.tls;
  const args = [
    ...(tls ? ['--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile, '--cname', tls.serverName] : ['--insecure']),
    '--proto', options.proto,
    ...options.importPaths.flatMap((path) => ['--import-paths', path]),
    '--call', options.call,
    '--data-file', dataFile,
    '--concurrency', String(options.concurrency),
    '--total', String(options.total + skipFirst),
    '--skipFirst', String(skipFirst),
    '--connections', String(options.connections ?? 1),
    '--timeout', `${options.timeoutMs ?? 20_000}ms`,
    ...(options.rps ? ['--rps', String(options.rps)] : []),
    '--format', 'json',
    '--output', reportFile,
    options.address,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ghz, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ghz exited with ${code} (${options.call} on ${options.address})`))));
  });
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as GhzJson;
  const statuses = Object.entries(report.statusCodeDistribution ?? {}).map(([status, n]) => `${status} ${n}`).join(', ');
  console.log(`  ghz ${options.call.split('.').pop()} × ${options.concurrency} in flight${options.rps ? ` at ${options.rps}/s` : ''}: ${report.rps.toFixed(0)}/s, ${statuses}`);
  const latency = (percentage: number) => (report.latencyDistribution?.find((l) => l.percentage === percentage)?.latency ?? Number.NaN) / 1e6;
  return {
    count: report.count,
    rps: report.rps,
    p50Ms: latency(50),
    p99Ms: latency(99),
    statuses: report.statusCodeDistribution ?? {},
    p99OfStatus: (status) => {
      const latencies = (report.details ?? []).filter((d) => d.status === status).map((d) => d.latency / 1e6).sort((a, b) => a - b);
      return latencies.length === 0 ? Number.NaN : (latencies[Math.ceil(0.99 * latencies.length) - 1] as number);
    },
  };
}
