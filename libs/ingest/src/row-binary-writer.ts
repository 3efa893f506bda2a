/**
 * Just enough of ClickHouse's RowBinary input format for the raw table:
 * Strings and DateTime64(3) as Int64 milliseconds. Binary rows skip JSON
 * serialisation on this side and text parsing on the server's.
 */
export class RowBinaryWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes = 1 << 20) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** A String: its UTF-8 byte length as LEB128, then the bytes. */
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

  /** An Int64 given as a safe integer (e.g. DateTime64(3) in ms), written as two 32-bit words: no BigInt per row. */
  int64(value: number): void {
    this.#reserve(8);
    const high = Math.floor(value / 0x1_0000_0000);
    this.#buffer.writeUInt32LE(value - high * 0x1_0000_0000, this.#length);
    this.#buffer.writeInt32LE(high, this.#length + 4);
    this.#length += 8;
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + extra));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}
