import fc from 'fast-check';

/** Options of {@link mutatedBytes}. */
export interface MutatedBytesOptions {
  /** Longest pure-garbage value. Default 512 bytes. */
  readonly maxGarbageBytes?: number;
}

/**
 * Bytes near a valid encoding and far from it: pure garbage, the valid bytes
 * truncated, with a few bytes overwritten, with bytes inserted, or doubled —
 * what a broken producer or a bit flip on the way sends.
 */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, options: MutatedBytesOptions = {}): fc.Arbitrary<Uint8Array> {
  const garbage = fc.uint8Array({ maxLength: options.maxGarbageBytes ?? 512 });
  const mutation = valid.chain((bytes) =>
    fc.oneof(
      fc.nat({ max: bytes.length }).map((at) => bytes.slice(0, at)),
      fc
        .array(fc.tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((writes) => {
          const copy = Uint8Array.from(bytes);
          for (const [at, byte] of writes) if (at < copy.length) copy[at] = byte;
          return copy;
        }),
      fc.tuple(fc.nat({ max: bytes.length }), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([at, extra]) => concat(bytes.slice(0, at), extra, bytes.slice(at))),
      fc.constant(concat(bytes, bytes)),
    ),
  );
  return fc.oneof(garbage, mutation);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
