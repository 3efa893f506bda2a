"""Shapley values of Tributary models computed by the `shap` package.

Reads a JSON request (argv[1]) holding a GBDT and a logistic regression in
Tributary's own model JSON, the rows to explain and, for the logistic
regression's background, the rows it was trained on; writes (argv[2]) what
`shap` computes for them:

- GBDT: `shap.TreeExplainer(feature_perturbation="tree_path_dependent")` on a
  custom tree dict built from our trees (node covers as `node_sample_weight`,
  the learned missing direction as `children_default`). shap's custom trees
  test only `x <= threshold`; a categorical split (left when the code is in a
  set) is written, for the one row being explained, as the threshold that
  sends that row's code the same way: `code` when it is in the set, `code - 1`
  otherwise. TreeSHAP reads only which way the row goes at each node and the
  covers, so each row's values are those of the model itself.
- Logistic regression: `shap.LinearExplainer` on the model's design columns
  (standardised numeric columns, one indicator per listed category) with the
  training rows' design matrix as the background (all of it), its values
  summed over the columns of each input feature.
"""
import json
import sys

import numpy as np
import shap


def rows_of(values):
    return np.array([[np.nan if v is None else v for v in row] for row in values], dtype=np.float64)


def tree_dict(tree, row):
    split_feature = tree["splitFeature"]
    internal = len(split_feature)
    leaves = len(tree["leafValue"])
    if internal == 0:
        return {
            "children_left": np.array([-1], dtype=np.int32),
            "children_right": np.array([-1], dtype=np.int32),
            "children_default": np.array([-1], dtype=np.int32),
            "feature": np.array([-2], dtype=np.int32),
            "threshold": np.array([0.0]),
            "value": np.array([[tree["leafValue"][0]]]),
            "node_sample_weight": np.array([float(tree["leafCover"][0])]),
        }
    size = internal + leaves

    def child(c):
        return c if c >= 0 else internal + ~c

    left = np.full(size, -1, dtype=np.int32)
    right = np.full(size, -1, dtype=np.int32)
    default = np.full(size, -1, dtype=np.int32)
    feature = np.full(size, -2, dtype=np.int32)
    threshold = np.zeros(size)
    value = np.zeros((size, 1))
    cover = np.zeros(size)
    for i in range(internal):
        left[i] = child(tree["leftChild"][i])
        right[i] = child(tree["rightChild"][i])
        default[i] = left[i] if tree["defaultLeft"][i] == 1 else right[i]
        feature[i] = split_feature[i]
        cover[i] = tree["nodeCover"][i]
        categories = tree["categories"][i]
        if categories is None:
            threshold[i] = tree["threshold"][i]
        else:
            x = row[split_feature[i]]
            threshold[i] = 0.0 if np.isnan(x) else (x if x in categories else x - 1.0)
    for leaf in range(leaves):
        value[internal + leaf, 0] = tree["leafValue"][leaf]
        cover[internal + leaf] = tree["leafCover"][leaf]
    return {
        "children_left": left,
        "children_right": right,
        "children_default": default,
        "feature": feature,
        "threshold": threshold,
        "value": value,
        "node_sample_weight": cover,
    }


def explain_gbdt(model, rows):
    values = []
    expected = None
    for row in rows:
        ensemble = {
            "trees": [tree_dict(tree, row) for tree in model["trees"]],
            "base_offset": model["baseScore"],
            "tree_output": "raw_value",
            "input_dtype": np.float64,
            "internal_dtype": np.float64,
        }
        explainer = shap.TreeExplainer(ensemble, feature_perturbation="tree_path_dependent")
        values.append(explainer.shap_values(row.reshape(1, -1), check_additivity=True)[0].tolist())
        expected = float(np.ravel(explainer.expected_value)[0])
    return values, expected


def design(model, rows):
    """The logistic regression's design matrix of `rows` (float32 inputs, as the model reads them)."""
    columns = []
    owner = []
    x32 = rows.astype(np.float32).astype(np.float64)
    for numeric in model["numeric"]:
        x = x32[:, numeric["feature"]]
        columns.append(np.where(np.isnan(x), 0.0, (x - numeric["mean"]) / numeric["scale"]))
        owner.append(numeric["feature"])
    for encoding in model["categoricalEncodings"]:
        x = x32[:, encoding["feature"]]
        for code in encoding["categories"]:
            columns.append((x == code).astype(np.float64))
            owner.append(encoding["feature"])
    return np.column_stack(columns), np.array(owner)


def explain_linear(model, rows, training_rows):
    background, owner = design(model, training_rows)
    explained, _ = design(model, rows)
    coefficients = np.array(model["coefficients"], dtype=np.float64)
    masker = shap.maskers.Independent(background, max_samples=background.shape[0])
    explainer = shap.LinearExplainer((coefficients, model["intercept"]), masker)
    per_column = explainer.shap_values(explained)
    features = len(model["featureNames"])
    grouped = np.zeros((rows.shape[0], features))
    for column, feature in enumerate(owner):
        grouped[:, feature] += per_column[:, column]
    return grouped.tolist(), float(np.ravel(explainer.expected_value)[0])


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    rows = rows_of(request["rows"])
    gbdt_values, gbdt_expected = explain_gbdt(request["gbdt"], rows)
    linear_values, linear_expected = explain_linear(request["logisticRegression"], rows, rows_of(request["trainingRows"]))
    with open(sys.argv[2], "w") as f:
        json.dump(
            {
                "shapVersion": shap.__version__,
                "gbdt": {"expectedValue": gbdt_expected, "shapValues": gbdt_values},
                "logisticRegression": {"expectedValue": linear_expected, "shapValues": linear_values},
            },
            f,
        )


if __name__ == "__main__":
    main()
