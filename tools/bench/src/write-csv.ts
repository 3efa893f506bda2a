import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { FeatureMatrix } from '@tributary/ml';

/** A labelled set as CSV for the Python side: feature columns (NaN = empty, category codes as numbers), the label last. */
export async function writeCsv(file: string, matrix: FeatureMatrix, labels: Float64Array): Promise<void> {
  const out = createWriteStream(file);
  const { featureNames, columns, rowCount } = matrix;
  out.write(`${[...featureNames, 'label'].join(',')}\n`);
  let chunk = '';
  for (let r = 0; r < rowCount; r++) {
    for (const column of columns) {
      const value = column[r] as number;
      chunk += Number.isNaN(value) ? ',' : `${value},`;
    }
    chunk += `${labels[r]}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
