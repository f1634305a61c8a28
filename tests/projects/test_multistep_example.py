"""examples/multistep: a driver entry point chains prepare, train and evaluate, each a child run,
one step's artifact the next one's input (as MLflow's multistep_workflow example)."""

from __future__ import annotations

import os

from projects_support import autolog_run, runs

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "multistep")


def test_the_multistep_example_chains_three_steps_under_its_driver(store, tmp_path):
    result = autolog_run(os.path.abspath(EXAMPLE), "-P", "alpha=0.5", "-P", "rows=300", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "steps done" in result.stdout
    found = {r.data.tags["autolog.project.entry_point"]: r for r in runs(store)}
    assert set(found) == {"main", "prepare", "train", "evaluate"}
    driver = found["main"]
    assert driver.info.status == "FINISHED" and driver.data.params == {"alpha": "0.5", "rows": "300"}
    for name in ("prepare", "train", "evaluate"):
        assert found[name].data.tags["autolog.parentRunId"] == driver.info.run_id
        assert found[name].info.status == "FINISHED"
    assert found["prepare"].data.metrics["rows"] == 300
    assert found["train"].data.params["data"].endswith("/data/data.csv")
    assert found["train"].data.params["data"].startswith(found["prepare"].info.artifact_uri)
    assert 2.5 < found["train"].data.metrics["a"] < 3.1
    assert found["evaluate"].data.params["model"].startswith(found["train"].info.artifact_uri)
    assert found["evaluate"].data.metrics["rmse"] < 0.5
