"""Times Evidently's data drift report on a window against a reference and reads its per-column scores.

Reads a JSON request (argv[1]): `reference` and `current` (CSV files, one
column per feature, empty = missing), `numerical` and `categorical` (column
names), `numMethod` and `catMethod` (Evidently stat test names),
`repetitions`; writes (argv[2]) the wall and CPU time of each `Report.run`
(the CSVs are read once, before the clock starts), the drift score Evidently
gives each column, and the versions that computed them.
"""
import json
import sys
import time

import evidently
import pandas as pd
import scipy
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    numerical, categorical = request["numerical"], request["categorical"]
    # round_trip: the floats the benchmark wrote, bit for bit, so both sides see the same values.
    read = lambda path: pd.read_csv(path, usecols=numerical + categorical, float_precision="round_trip", dtype={name: "float64" for name in numerical + categorical})
    reference, current = read(request["reference"]), read(request["current"])
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    reference_set = Dataset.from_pandas(reference, data_definition=definition)
    current_set = Dataset.from_pandas(current, data_definition=definition)
    preset = DataDriftPreset(num_method=request["numMethod"], cat_method=request["catMethod"])

    wall_ms, cpu_ms, snapshot = [], [], None
    for _ in range(request["repetitions"]):
        wall, cpu = time.perf_counter(), time.process_time()
        snapshot = Report([preset]).run(current_set, reference_set)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        wall_ms.append((time.perf_counter() - wall) * 1000)

    scores = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            scores[config["column"]] = metric["value"]
    with open(sys.argv[2], "w") as f:
        json.dump(
            {
                "wallMs": wall_ms,
                "cpuMs": cpu_ms,
                "scores": scores,
                "versions": {"evidently": evidently.__version__, "pandas": pd.__version__, "scipy": scipy.__version__},
            },
            f,
        )


if __name__ == "__main__":
    main()
