import { ModelFormatError, UnsupportedModelOperationError } from '../errors.js';
import { assertSameFeatures, type FeatureMatrix } from '../feature-matrix.js';
import { normaliseImportance, type BinaryClassifier, type FeatureImportance } from '../model.js';
import { sigmoid, type GbdtObjective } from './objective.js';
import { compileTree, leafIndex, treeFromJson, treeToJson, type CompiledTree, type Tree, type TreeJson } from './tree.js';

/** JSON form of a {@link GbdtModel}, as stored by the registry. */
export interface GbdtModelJson {
  readonly kind: 'gbdt';
  readonly formatVersion: 1;
  readonly objective: GbdtObjective;
  readonly featureNames: string[];
  readonly categorical: boolean[];
  readonly baseScore: number;
  /** Number of boosting rounds run before early stopping cut the ensemble at the best one. */
  readonly roundsTrained: number;
  readonly trees: TreeJson[];
}

/** What {@link GbdtModel} is made of. */
export interface GbdtModelParts {
  readonly objective: GbdtObjective;
  readonly featureNames: readonly string[];
  readonly categorical: readonly boolean[];
  /** Raw score before the first tree: log-odds of the base rate, or the target mean. */
  readonly baseScore: number;
  readonly trees: readonly Tree[];
  readonly roundsTrained: number;
}

/**
 * A trained gradient-boosted tree ensemble. The raw score of a row is
 * `baseScore + Σ tree leaf values`; for the binary objective the probability
 * of class 1 is its logistic transform.
 */
export class GbdtModel implements BinaryClassifier {
  readonly kind = 'gbdt' as const;
  readonly objective: GbdtObjective;
  readonly featureNames: readonly string[];
  readonly categorical: readonly boolean[];
  readonly baseScore: number;
  readonly trees: readonly Tree[];
  readonly roundsTrained: number;
  readonly #compiled: readonly CompiledTree[];

  constructor(parts: GbdtModelParts) {
    this.objective = parts.objective;
    this.featureNames = [...parts.featureNames];
    this.categorical = [...parts.categorical];
    this.baseScore = parts.baseScore;
    this.trees = [...parts.trees];
    this.roundsTrained = parts.roundsTrained;
    this.#compiled = this.trees.map(compileTree);
  }

  /** Raw scores (log-odds for the binary objective). */
  predictRaw(rows: FeatureMatrix): Float64Array {
    assertSameFeatures(this.featureNames, this.categorical, rows);
    // Reading float32 copies makes every comparison the one the float32 ONNX input makes.
    const columns = rows.columns.map((column) => Float32Array.from(column));
    const raw = new Float64Array(rows.rowCount).fill(this.baseScore);
    for (const compiled of this.#compiled) {
      const values = compiled.tree.leafValue;
      for (let r = 0; r < rows.rowCount; r++) raw[r]! += values[leafIndex(compiled, columns, r)] as number;
    }
    return raw;
  }

  /** Probability of class 1 (binary objective only). */
  predictProba(rows: FeatureMatrix): Float64Array {
    if (this.objective !== 'binary') {
      throw new UnsupportedModelOperationError('a regression model has no probabilities; use predict()');
    }
    return this.predictRaw(rows).map(sigmoid);
  }

  /** Probabilities for the binary objective, predicted values for regression. */
  predict(rows: FeatureMatrix): Float64Array {
    return this.objective === 'binary' ? this.predictProba(rows) : this.predictRaw(rows);
  }

  /** Total split gain per feature, normalised to sum 1. */
  featureImportance(): FeatureImportance[] {
    const gain = new Float64Array(this.featureNames.length);
    for (const tree of this.trees) {
      tree.splitFeature.forEach((f, node) => {
        gain[f]! += tree.splitGain[node] as number;
      });
    }
    return normaliseImportance(this.featureNames, gain);
  }

  toJSON(): GbdtModelJson {
    return {
      kind: 'gbdt',
      formatVersion: 1,
      objective: this.objective,
      featureNames: [...this.featureNames],
      categorical: [...this.categorical],
      baseScore: this.baseScore,
      roundsTrained: this.roundsTrained,
      trees: this.trees.map(treeToJson),
    };
  }

  /** Reads the output of {@link GbdtModel.toJSON}. */
  static fromJSON(json: GbdtModelJson): GbdtModel {
    if (json.kind !== 'gbdt' || json.formatVersion !== 1) {
      throw new ModelFormatError(`not a version 1 GBDT model: kind ${json.kind}, version ${json.formatVersion}`);
    }
    if (json.featureNames.length !== json.categorical.length) {
      throw new ModelFormatError('featureNames and categorical differ in length');
    }
    return new GbdtModel({ ...json, trees: json.trees.map(treeFromJson) });
  }
}
