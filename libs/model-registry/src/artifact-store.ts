import type { Readable } from 'node:stream';
import type { ArtifactRef } from './model-version.js';

/** Bytes of an artifact as they arrive: a Node stream, a gRPC client stream, a generator. */
export type ArtifactSource = AsyncIterable<Uint8Array>;

/** Options of {@link ArtifactStore.put}. */
export interface ArtifactPutOptions {
  /**
   * The sha256 the uploader declared. When given, bytes that hash to anything
   * else are rejected and nothing is kept. Default: none (the digest is whatever the bytes hash to).
   */
  readonly expectedSha256?: string;
  /** The size the uploader declared; any other size is rejected and nothing is kept. Default: none. */
  readonly expectedSizeBytes?: number;
}

/**
 * Content-addressed artifact storage: an artifact is named by the sha256 of
 * its bytes, so the same bytes are stored once and a name can never point at
 * different bytes. Implementations must make `put` all-or-nothing.
 */
export interface ArtifactStore {
  /** Stores the bytes and returns their digest and size; keeps nothing if it fails. */
  put(source: ArtifactSource, options?: ArtifactPutOptions): Promise<ArtifactRef>;
  /** Opens the artifact for reading; throws `ArtifactNotFoundError` if absent. */
  get(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  /** Hashes the stored bytes again: true if they still match their name, false if absent or damaged. */
  verify(sha256: string): Promise<boolean>;
}
