import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FlightsDatasetNotFoundError } from './errors.js';

/**
 * Where `flights-3m.parquet` of the installed vega-datasets package is. The
 * package exports only its JS entry, so the path is found from that entry's
 * location (`build/index.js` → `../data/`), wherever npm placed the package.
 *
 * @throws FlightsDatasetNotFoundError when the package or the file is missing.
 */
export function flightsParquetPath(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('vega-datasets');
  } catch (cause) {
    throw new FlightsDatasetNotFoundError('vega-datasets', cause);
  }
  const path = join(dirname(entry), '..', 'data', 'flights-3m.parquet');
  if (!existsSync(path)) throw new FlightsDatasetNotFoundError(path);
  return path;
}
