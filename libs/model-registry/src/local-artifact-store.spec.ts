import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Code } from '@tributary/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArtifactDigestMismatchError,
  ArtifactNotFoundError,
  ArtifactSizeMismatchError,
  ArtifactTooLargeError,
  createLocalArtifactStore,
} from './index.js';
import { artifactBytes, chunked, readAll, sha256Of, temporaryDirectory } from './test-support/fixtures.js';

describe('createLocalArtifactStore()', () => {
  let directory: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    directory = await temporaryDirectory();
  });
  afterEach(async () => {
    await directory.remove();
  });

  async function filesUnder(path: string): Promise<string[]> {
    const entries = await readdir(path, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  }

  it('stores bytes under their sha256 and reads them back', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const bytes = artifactBytes(1, 10_000);
    const ref = await store.put(chunked(bytes, 777));
    expect(ref).toEqual({ sha256: sha256Of(bytes), sizeBytes: 10_000 });
    expect(await store.has(ref.sha256)).toBe(true);
    expect(await store.verify(ref.sha256)).toBe(true);
    expect(await readAll(await store.get(ref.sha256))).toEqual(Buffer.from(bytes));
  });

  it('rejects bytes that do not hash to the declared sha256 and leaves nothing behind', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const declared = sha256Of(artifactBytes(1));
    const corrupted = artifactBytes(2);
    const failure = await store.put(chunked(corrupted), { expectedSha256: declared }).catch((reason: unknown) => reason);
    expect(failure).toBeInstanceOf(ArtifactDigestMismatchError);
    expect(failure).toMatchObject({ code: Code.InvalidArgument, expectedSha256: declared, actualSha256: sha256Of(corrupted) });
    expect(await filesUnder(directory.path)).toEqual([]);
    expect(await store.has(sha256Of(corrupted))).toBe(false);
  });

  it('refuses uploads over the size limit and leaves nothing behind', async () => {
    const store = createLocalArtifactStore({ directory: directory.path, maxSizeBytes: 1000 });
    await expect(store.put(chunked(artifactBytes(1, 1001), 100))).rejects.toBeInstanceOf(ArtifactTooLargeError);
    expect(await filesUnder(directory.path)).toEqual([]);
  });

  it('rejects an upload whose size differs from the declared one, without reading past it', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const bytes = artifactBytes(1, 2000);
    await expect(store.put(chunked(bytes, 100), { expectedSizeBytes: 1000 })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      expectedSizeBytes: 1000,
      actualSizeBytes: 1100,
    });
    await expect(store.put(chunked(bytes), { expectedSizeBytes: 3000 })).rejects.toBeInstanceOf(ArtifactSizeMismatchError);
    expect(await filesUnder(directory.path)).toEqual([]);
  });

  it('removes the partial file when the upload stream fails midway', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    async function* brokenUpload() {
      yield artifactBytes(1, 100);
      throw new Error('client went away');
    }
    await expect(store.put(brokenUpload())).rejects.toThrow('client went away');
    expect(await filesUnder(directory.path)).toEqual([]);
  });

  it('keeps one copy when the same bytes are stored twice', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const bytes = artifactBytes(3);
    const first = await store.put(chunked(bytes));
    const second = await store.put(chunked(bytes), { expectedSha256: first.sha256 });
    expect(second).toEqual(first);
    expect(await filesUnder(directory.path)).toHaveLength(1);
  });

  it('reports a stored artifact whose bytes changed on disk as not verified', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const { sha256 } = await store.put(chunked(artifactBytes(4)));
    const [file] = await filesUnder(directory.path);
    await appendFile(file as string, 'bit rot');
    expect(await store.verify(sha256)).toBe(false);
  });

  it('throws NOT_FOUND for an unknown digest and INVALID_ARGUMENT for a malformed one', async () => {
    const store = createLocalArtifactStore({ directory: directory.path });
    const unknown = sha256Of(artifactBytes(5));
    await expect(store.get(unknown)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await store.verify(unknown)).toBe(false);
    await expect(store.has('../../etc/passwd')).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});
