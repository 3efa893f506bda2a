import { describe, expect, it } from 'vitest';
import { readAlignedRows } from './read-aligned-rows.js';

/** Rows of (UInt64 index, Float64 value), as a ClickHouse result would stream them. */
function rows(values: readonly number[]): Buffer {
  const bytes = Buffer.alloc(16 * values.length);
  values.forEach((value, i) => {
    bytes.writeBigUInt64LE(BigInt(i), 16 * i);
    bytes.writeDoubleLE(value, 16 * i + 8);
  });
  return bytes;
}

async function* chunks(bytes: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const size of sizes) {
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

describe('readAlignedRows()', () => {
  it('hands over whole rows, stitching rows split across chunks at any byte', async () => {
    const values = [0.5, Number.NaN, -3, 1e300, 7];
    const seen: [number, number][] = [];
    const count = await readAlignedRows(chunks(rows(values), [5, 20, 1, 30]), 2, (f64, u32, n) => {
      for (let r = 0; r < n; r++) seen.push([u32[4 * r] as number, f64[2 * r + 1] as number]);
    });
    expect(count).toBe(5);
    expect(seen).toEqual(values.map((value, i) => [i, value]));
  });

  it('refuses a stream that ends inside a row', async () => {
    await expect(readAlignedRows(chunks(rows([1, 2]).subarray(0, 24), []), 2, () => undefined)).rejects.toThrow(/ended inside a row \(8 of 16 bytes\)/);
  });
});
