/**
 * ClickHouse's RowBinary input format, as far as the tables here need it:
 * String, Int64 (DateTime64(3) as ms), UInt8, UInt32 and Float64. Binary rows skip
 * JSON on this side and text parsing on the server's, and keep NaN as NaN
 * (JSON would turn it into null, then 0).
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

  uint8(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = value;
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
