import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactPutOptions, ArtifactSource, ArtifactStore } from './artifact-store.js';
import { ArtifactDigestMismatchError, ArtifactNotFoundError, ArtifactSizeMismatchError, ArtifactTooLargeError } from './errors.js';
import type { ArtifactRef } from './model-version.js';
import { assertSha256 } from './validation.js';

/** Options of {@link createLocalArtifactStore}. */
export interface LocalArtifactStoreOptions {
  /** Root directory; created if missing. Artifacts live under `sha256/`, uploads in progress under `tmp/`. */
  readonly directory: string;
  /** Uploads larger than this are refused. Default 1 GiB. */
  readonly maxSizeBytes?: number;
}

/**
 * An {@link ArtifactStore} in a local directory. An upload is written to a
 * temporary file in the same directory tree, flushed to disk, hashed on the
 * way, and only renamed to its content address once the digest is known (and
 * matches the declared one), so a reader never sees a partial or corrupted artifact.
 */
export function createLocalArtifactStore(options: LocalArtifactStoreOptions): ArtifactStore {
  const { directory, maxSizeBytes = 1024 ** 3 } = options;
  const tmpDirectory = join(directory, 'tmp');
  const pathOf = (sha256: string) => join(directory, 'sha256', sha256.slice(0, 2), sha256);

  async function exists(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    try {
      return (await stat(pathOf(sha256))).isFile();
    } catch (reason) {
      if (isMissing(reason)) return false;
      throw reason;
    }
  }

  return {
    async put(source: ArtifactSource, putOptions: ArtifactPutOptions = {}): Promise<ArtifactRef> {
      const { expectedSha256, expectedSizeBytes } = putOptions;
      if (expectedSha256 !== undefined) assertSha256(expectedSha256, 'expectedSha256');
      const limitBytes = expectedSizeBytes === undefined ? maxSizeBytes : Math.min(maxSizeBytes, expectedSizeBytes);
      await mkdir(tmpDirectory, { recursive: true });
      const tmpPath = join(tmpDirectory, `${randomUUID()}.part`);
      try {
        const { sha256, sizeBytes } = await writeHashed(source, tmpPath, limitBytes, expectedSizeBytes);
        if (expectedSizeBytes !== undefined && sizeBytes !== expectedSizeBytes) throw new ArtifactSizeMismatchError(expectedSizeBytes, sizeBytes);
        if (expectedSha256 !== undefined && sha256 !== expectedSha256) throw new ArtifactDigestMismatchError(expectedSha256, sha256);
        const finalPath = pathOf(sha256);
        await mkdir(dirname(finalPath), { recursive: true });
        // Same bytes under the same name: replacing an existing copy is harmless and keeps put idempotent.
        await rename(tmpPath, finalPath);
        await syncDirectory(dirname(finalPath));
        return { sha256, sizeBytes };
      } finally {
        await rm(tmpPath, { force: true });
      }
    },

    async get(sha256: string): Promise<ReadStream> {
      if (!(await exists(sha256))) throw new ArtifactNotFoundError(sha256);
      return createReadStream(pathOf(sha256));
    },

    has: exists,

    async verify(sha256: string): Promise<boolean> {
      if (!(await exists(sha256))) return false;
      const hash = createHash('sha256');
      await pipeline(createReadStream(pathOf(sha256)), hash);
      return hash.digest('hex') === sha256;
    },
  };
}

/**
 * Writes `source` to a new file at `path`, hashing on the way, and flushes it
 * to disk. Stops as soon as it passes `limitBytes`: a declared size is a limit too.
 */
async function writeHashed(source: ArtifactSource, path: string, limitBytes: number, expectedSizeBytes: number | undefined): Promise<ArtifactRef> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const file = await open(path, 'wx');
  try {
    for await (const chunk of source) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes > limitBytes) {
        throw expectedSizeBytes !== undefined && limitBytes === expectedSizeBytes
          ? new ArtifactSizeMismatchError(expectedSizeBytes, sizeBytes)
          : new ArtifactTooLargeError(limitBytes);
      }
      hash.update(chunk);
      for (let offset = 0; offset < chunk.byteLength; ) {
        offset += (await file.write(chunk, offset)).bytesWritten;
      }
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

/** Makes a rename in `directory` durable across a crash. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(reason: unknown): boolean {
  return reason instanceof Error && 'code' in reason && reason.code === 'ENOENT';
}
