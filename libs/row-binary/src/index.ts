export { RowBinaryWriter } from './row-binary-writer.js';
export { readAlignedRows } from './read-aligned-rows.js';
