import { ModelFormatError } from './errors.js';
import { GbdtModel, type GbdtModelJson } from './gbdt/gbdt-model.js';
import { LogisticRegressionModel, type LogisticRegressionModelJson } from './linear/logistic-regression-model.js';

/** The JSON form of any model of this library. */
export type ModelJson = GbdtModelJson | LogisticRegressionModelJson;

/**
 * Reads a model back from its `toJSON()` form (already parsed), choosing the
 * class by `kind`. Throws {@link ModelFormatError} for anything else.
 */
export function modelFromJson(json: unknown): GbdtModel | LogisticRegressionModel {
  if (typeof json !== 'object' || json === null) throw new ModelFormatError('a model must be a JSON object');
  const kind = (json as { kind?: unknown }).kind;
  try {
    if (kind === 'gbdt') return GbdtModel.fromJSON(json as GbdtModelJson);
    if (kind === 'logistic-regression') return LogisticRegressionModel.fromJSON(json as LogisticRegressionModelJson);
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    throw new ModelFormatError(`malformed ${String(kind)} model: ${(error as Error).message}`, error);
  }
  throw new ModelFormatError(`unknown model kind ${JSON.stringify(kind)}`);
}
