"""Times shap's TreeExplainer on a Tributary GBDT and checks its values on a few rows.

Reads a JSON request (argv[1]): `model` (our GBDT JSON), `rows` (null =
missing), `singleRows`, `checkRows`; writes (argv[2]) shap's per-row CPU time
over all rows in one call (best of three), the mean CPU and p50 wall time of one-row calls,
and its values for the first `checkRows` rows.

Timing uses one ensemble for all rows, with each categorical split written as
a numeric test (its threshold is irrelevant here): path-dependent TreeSHAP
visits every node of every tree whichever way a row goes, so its cost is that
of the same structure. The values checked use, per row, the exact rewrite of
explain_fixtures.py (the row's code sent the model's way).
"""
import json
import sys
import time

import numpy as np
import shap

from explain_fixtures import rows_of, tree_dict


def ensemble(model, row):
    return {
        "trees": [tree_dict(tree, row) for tree in model["trees"]],
        "base_offset": model["baseScore"],
        "tree_output": "raw_value",
        "input_dtype": np.float64,
        "internal_dtype": np.float64,
    }


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    model = request["model"]
    rows = rows_of(request["rows"])
    timing = shap.TreeExplainer(ensemble(model, np.zeros(rows.shape[1])), feature_perturbation="tree_path_dependent")
    timing.shap_values(rows[:10], check_additivity=False)
    batch = []
    for _ in range(3):
        # CPU time of this process: steadier than wall time on a shared machine (shap's C++ runs in this thread).
        start = time.process_time()
        timing.shap_values(rows, check_additivity=False)
        batch.append((time.process_time() - start) * 1000 / rows.shape[0])
    single = []
    single_cpu = time.process_time()
    for row in rows[: request["singleRows"]]:
        start = time.perf_counter()
        timing.shap_values(row.reshape(1, -1), check_additivity=False)
        single.append((time.perf_counter() - start) * 1000)
    single_cpu_ms = (time.process_time() - single_cpu) * 1000 / len(single)
    checked = []
    for row in rows[: request["checkRows"]]:
        explainer = shap.TreeExplainer(ensemble(model, row), feature_perturbation="tree_path_dependent")
        checked.append(explainer.shap_values(row.reshape(1, -1), check_additivity=True)[0].tolist())
    with open(sys.argv[2], "w") as f:
        json.dump(
            {
                "shapVersion": shap.__version__,
                "batchPerRowMs": min(batch),
                "singleRowP50Ms": float(np.percentile(single, 50)),
                "singleRowCpuMs": single_cpu_ms,
                "checkedValues": checked,
                "expectedValue": float(np.ravel(explainer.expected_value)[0]),
            },
            f,
        )


if __name__ == "__main__":
    main()
