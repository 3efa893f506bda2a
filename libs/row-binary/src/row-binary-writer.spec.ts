import { describe, expect, it } from 'vitest';
import { RowBinaryWriter } from './row-binary-writer.js';

describe('RowBinaryWriter', () => {
  it('writes a string as its LEB128 UTF-8 length and bytes', () => {
    const writer = new RowBinaryWriter(4);
    writer.string('é');
    writer.string('x'.repeat(200));
    const bytes = writer.take();
    expect([...bytes.subarray(0, 3)]).toEqual([2, 0xc3, 0xa9]);
    expect([...bytes.subarray(3, 5)]).toEqual([0xc8, 0x01]); // 200 = 0b1_1001000
    expect(bytes.length).toBe(3 + 2 + 200);
  });

  it('writes a DateTime64(3) as a little-endian Int64 of milliseconds, before 1970 too', () => {
    const writer = new RowBinaryWriter();
    writer.int64(Date.UTC(2001, 0, 1, 0, 1));
    writer.int64(-1);
    const bytes = writer.take();
    expect(bytes.readBigInt64LE(0)).toBe(BigInt(Date.UTC(2001, 0, 1, 0, 1)));
    expect(bytes.readBigInt64LE(8)).toBe(-1n);
  });

  it('writes UInt32 and Float64 little-endian, NaN kept, and grows past its first buffer', () => {
    const writer = new RowBinaryWriter(2);
    writer.uint32(0xfffffffe);
    writer.float64(Number.NaN);
    writer.float64(-2.5);
    expect(writer.length).toBe(20);
    const bytes = writer.take();
    expect(bytes.readUInt32LE(0)).toBe(0xfffffffe);
    expect(bytes.readDoubleLE(4)).toBeNaN();
    expect(bytes.readDoubleLE(12)).toBe(-2.5);
  });

  it('take() hands over what was written and starts afresh', () => {
    const writer = new RowBinaryWriter();
    writer.string('a');
    const first = writer.take();
    writer.string('bc');
    expect([...first]).toEqual([1, 0x61]);
    expect([...writer.take()]).toEqual([2, 0x62, 0x63]);
    expect(writer.length).toBe(0);
  });
});
