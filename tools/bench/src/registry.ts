/**
 * Model registry benchmark: latency of registering a version (artifact hashed,
 * written and fsynced, then one Lua script for metadata, audit and outbox) and
 * of reading one back by number and by alias, through @tributary/model-registry
 * on the local Redis (`REDIS_URL`) with artifacts in a temporary directory.
 * Calls run one at a time, so the numbers are per-call latency, not throughput;
 * a last phase measures reads with 16 calls in flight. Lifecycle events are
 * relayed to a publisher that drops them, so the outbox work is included but Kafka is not.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { ModelRegistry } from '@tributary/model-registry';
import { createTestRegistry } from '@tributary/model-registry/testing';
import { percentile, reportResults, type Measurement } from './results.js';

const modelName = 'bench-model';
const versionCount = 200;
const artifactBytes = 256 * 1024;
const sliceBytes = 64 * 1024;
const readCount = 2000;
const concurrentReads = 16;

/** Distinct artifact bytes for version `n`, as a stream of slices like an upload. */
function artifact(n: number): { bytes: Buffer; sha256: string } {
  const bytes = Buffer.alloc(artifactBytes, n & 0xff);
  bytes.writeUInt32BE(n, 0);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function slices(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += sliceBytes) parts.push(bytes.subarray(offset, offset + sliceBytes));
  return Readable.from(parts);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function measureRegistrations(registry: ModelRegistry): Promise<number[]> {
  const latenciesMs: number[] = [];
  for (let n = 1; n <= versionCount; n++) {
    const { bytes, sha256 } = artifact(n);
    latenciesMs.push(
      await timed(() =>
        registry.registerVersion(
          {
            modelName,
            sha256,
            sizeBytes: bytes.byteLength,
            actor: 'bench',
            metrics: { auc: 0.7 + n / 10_000 },
            lineage: { trainingWindowStartMs: 0, trainingWindowEndMs: 1, featureDefinitionsHash: 'bench', codeVersion: 'bench' },
          },
          slices(bytes),
        ),
      ),
    );
  }
  return latenciesMs;
}

async function measureReads(read: (i: number) => Promise<unknown>): Promise<number[]> {
  const latenciesMs: number[] = [];
  for (let i = 0; i < readCount; i++) latenciesMs.push(await timed(() => read(i)));
  return latenciesMs;
}

async function measureConcurrentReads(registry: ModelRegistry): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrentReads }, async () => {
      while (next < readCount) await registry.getVersion(modelName, (next++ % versionCount) + 1);
    }),
  );
  return readCount / ((performance.now() - start) / 1000);
}

function latencyMeasurements(label: string, latenciesMs: readonly number[]): Measurement[] {
  return [
    { name: `${label} p50`, value: percentile(latenciesMs, 50), unit: 'ms' },
    { name: `${label} p99`, value: percentile(latenciesMs, 99), unit: 'ms' },
  ];
}

/** Runs the benchmark and reports `registry`. */
export async function run(): Promise<void> {
  // A registry of its own: unique key prefix, temporary artifact directory, both removed at the end.
  const scratch = await createTestRegistry({ publisher: { publish: async () => undefined }, overrides: { championRequiresApproval: () => false } });
  const { registry } = scratch;
  try {
    const registerMs = await measureRegistrations(registry);
    await registry.setAlias({ modelName, alias: 'champion', version: versionCount, actor: 'bench', reason: 'bench' });
    const getMs = await measureReads((i) => registry.getVersion(modelName, (i % versionCount) + 1));
    const aliasMs = await measureReads(() => registry.getVersionByAlias(modelName, 'champion'));
    const readsPerSecond = await measureConcurrentReads(registry);
    reportResults('registry', [
      ...latencyMeasurements(`register (${artifactBytes / 1024} KiB artifact)`, registerMs),
      ...latencyMeasurements('get by version', getMs),
      ...latencyMeasurements('get by alias', aliasMs),
      { name: `get by version, ${concurrentReads} in flight`, value: Math.round(readsPerSecond), unit: 'calls/s' },
    ]);
  } finally {
    await scratch.close();
  }
}
