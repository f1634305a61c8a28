"""Run by the real MLflow (bench/.mlflow-venv), never imported by our tests: MLflow's client reads runs
from a tracking server and prints, as one JSON line, each run's tags and what
``mlflow.data.get_source`` makes of each of its dataset inputs (or the error it raised).

    python mlflow_lineage_side.py URL RUN_ID...
"""

import json
import sys

import mlflow.data
from mlflow.tracking import MlflowClient


def source_view(dataset_input):
    view = {"name": dataset_input.dataset.name, "source_type": dataset_input.dataset.source_type}
    try:
        source = mlflow.data.get_source(dataset_input)
        again = mlflow.data.get_source(dataset_input.dataset)
        view.update(
            {
                "class": type(source).__name__,
                "type": source._get_source_type(),
                "dict": source.to_dict(),
                "same_from_dataset": again.to_dict() == source.to_dict(),
            }
        )
    except Exception as exc:  # what the test shows when MLflow cannot read a source
        view["error"] = f"{type(exc).__name__}: {exc}"
    return view


def main(url, run_ids):
    client = MlflowClient(url)
    runs = []
    for run_id in run_ids:
        run = client.get_run(run_id)
        runs.append(
            {
                "run_id": run_id,
                "tags": dict(run.data.tags),
                "user_id": run.info.user_id,
                "sources": [source_view(item) for item in run.inputs.dataset_inputs],
            }
        )
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
