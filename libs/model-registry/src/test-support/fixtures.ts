/**
 * Helpers shared by this library's specs (not part of the build): unique
 * Redis key prefixes, version inputs, byte streams.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tributary/observability';
import { createRedisConnection } from '@tributary/runtime';
import type { Cluster, Redis } from 'ioredis';
import type { RegisterVersionInput } from '../model-registry.js';

/** The shared development Redis, from `REDIS_URL` (blank counts as unset). */
export const redisUrl = process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';

/** A key prefix no other test, concurrent or not, uses. */
export function uniqueKeyPrefix(): string {
  return `test:model-registry:${randomUUID()}`;
}

/** A Redis connection for a test (one server or a `redis+cluster://` URL), opened as the services open theirs; close it with `quit()`. */
export function connectRedis(url = redisUrl): Redis | Cluster {
  return createRedisConnection({ url, name: 'test', maxRetriesPerRequest: 2, logger: createLogger({ name: 'redis', level: 'silent' }) });
}

/** A fresh temporary directory and a function that removes it. */
export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'model-registry-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Lowercase hex sha256 of `bytes`. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Distinct artifact bytes for the n-th version of a test. */
export function artifactBytes(n: number, sizeBytes = 4096): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = (i * 31 + n * 7) & 0xff;
  bytes[0] = n & 0xff;
  bytes[1] = (n >> 8) & 0xff;
  return bytes;
}

/** `bytes` as a stream of chunks, the way an upload arrives. */
export async function* chunked(bytes: Uint8Array, chunkSizeBytes = 1000): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSizeBytes) {
    yield bytes.subarray(offset, offset + chunkSizeBytes);
  }
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** A complete registration input for `bytes`, with lineage and metrics a trainer would send. */
export function registerInput(modelName: string, bytes: Uint8Array, overrides: Partial<RegisterVersionInput> = {}): RegisterVersionInput {
  return {
    modelName,
    sha256: sha256Of(bytes),
    actor: 'trainer',
    reason: 'scheduled training',
    description: 'gradient-boosted trees',
    modelType: 'gbdt',
    featureNames: ['distance', 'origin_delay_share_1h'],
    artifactFormat: 'onnx',
    sizeBytes: bytes.byteLength,
    metrics: { auc: 0.71, log_loss: 0.48 },
    params: { learning_rate: '0.1', max_leaves: '31' },
    tags: { algorithm: 'gbdt' },
    lineage: {
      trainingWindowStartMs: Date.UTC(2001, 0, 1),
      trainingWindowEndMs: Date.UTC(2001, 4, 1),
      featureDefinitionsHash: 'f'.repeat(64),
      codeVersion: 'test',
    },
    ...overrides,
  };
}
