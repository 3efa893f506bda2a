/**
 * Just enough of ClickHouse's RowBinary format for feature rows: strings,
 * Int64 millisecond times (DateTime64(3)), UInt32 and Float64 to write, rows of
 * 8-byte values to read. Binary keeps NaN as NaN (JSON would turn it into
 * null, then 0) and costs no text parsing.
 */

/** Appends RowBinary values to a growing buffer. */
export class RowBinaryWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes = 1 << 16) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** A String: LEB128 byte length, then UTF-8 bytes. */
  string(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.#reserve(bytes + 5);
    let n = bytes;
    while (n >= 0x80) {
      this.#buffer[this.#length++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.#buffer[this.#length++] = n;
    this.#length += this.#buffer.write(value, this.#length, 'utf8');
  }

  /** An Int64 given as a safe integer, e.g. a DateTime64(3) as ms since the epoch (two words: no BigInt per row). */
  int64(value: number): void {
    this.#reserve(8);
    const high = Math.floor(value / 0x1_0000_0000);
    this.#buffer.writeUInt32LE(value - high * 0x1_0000_0000, this.#length);
    this.#buffer.writeInt32LE(high, this.#length + 4);
    this.#length += 8;
  }

  uint32(value: number): void {
    this.#reserve(4);
    this.#buffer.writeUInt32LE(value, this.#length);
    this.#length += 4;
  }

  float64(value: number): void {
    this.#reserve(8);
    this.#buffer.writeDoubleLE(value, this.#length);
    this.#length += 8;
  }

  /** The bytes written, and a fresh buffer for what comes next. */
  take(): Buffer {
    const out = this.#buffer.subarray(0, this.#length);
    this.#buffer = Buffer.allocUnsafe(this.#buffer.length);
    this.#length = 0;
    return out;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

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
