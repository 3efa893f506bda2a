import { InvalidDatasetError } from '../errors.js';

/** Throws unless labels are 0/1 and there is one prediction per label. */
export function assertScoredLabels(labels: ArrayLike<number>, predictions: ArrayLike<number>): void {
  if (labels.length !== predictions.length) {
    throw new InvalidDatasetError(`${labels.length} labels but ${predictions.length} predictions`);
  }
  if (labels.length === 0) throw new InvalidDatasetError('no labels to score');
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new InvalidDatasetError(`label ${i} is ${y}; binary labels are 0 or 1`);
    if (Number.isNaN(predictions[i])) throw new InvalidDatasetError(`prediction ${i} is NaN`);
  }
}
