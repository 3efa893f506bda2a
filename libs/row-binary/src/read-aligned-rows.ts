/**
 * Reads a stream of RowBinary rows made of 8-byte values only (Float64,
 * UInt64, or UInt32 pairs), handing them over as whole rows in an aligned
 * buffer: `onRows(f64, u32, rows)` sees row r's k-th value as `f64[r·width+k]`
 * (and its low 32 bits as `u32[2·(r·width+k)]`). Copying each chunk once into
 * aligned memory lets the caller read typed-array elements instead of calling
 * `readDoubleLE` per value, which made reading the dominant cost of a
 * million-row result. Rows split across chunks are stitched.
 */
export async function readAlignedRows(
  stream: AsyncIterable<Buffer>,
  width: number,
  onRows: (f64: Float64Array, u32: Uint32Array, rows: number) => void,
): Promise<number> {
  const rowBytes = 8 * width;
  let scratch = new ArrayBuffer(0);
  let carry = 0;
  let rows = 0;
  for await (const chunk of stream) {
    const needed = carry + chunk.length;
    if (scratch.byteLength < needed) {
      const grown = new ArrayBuffer(Math.max(needed, 2 * scratch.byteLength));
      new Uint8Array(grown).set(new Uint8Array(scratch, 0, carry));
      scratch = grown;
    }
    const bytes = new Uint8Array(scratch);
    bytes.set(chunk, carry);
    const whole = Math.floor(needed / rowBytes);
    if (whole > 0) {
      onRows(new Float64Array(scratch, 0, whole * width), new Uint32Array(scratch, 0, whole * width * 2), whole);
      rows += whole;
    }
    carry = needed - whole * rowBytes;
    bytes.copyWithin(0, whole * rowBytes, needed);
  }
  if (carry > 0) throw new Error(`RowBinary stream ended inside a row (${carry} of ${rowBytes} bytes)`);
  return rows;
}
