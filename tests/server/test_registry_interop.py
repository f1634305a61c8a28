"""MLflow 3.17.2's own client (bench/.mlflow-venv) using ``autolog server``'s model registry and
logged models: what a team already on MLflow does daily, unchanged, against our server.

One server for the module; MLflow's side runs in ``mlflow_registry_side.py`` and prints what it saw.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from server_support import server_env

SIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_registry_side.py")


def _mlflow(python: str, *args: str, cwd) -> dict:
    env = server_env()
    env.pop("PYTHONPATH", None)
    out = subprocess.run([python, SIDE, *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def flow(server, mlflow_python, tmp_path_factory):
    return _mlflow(mlflow_python, "flow", server.url, cwd=tmp_path_factory.mktemp("flow"))


def test_log_model_with_registered_model_name_registers_a_logged_model(flow):
    logged = flow["logged"]
    assert logged["model_id"].startswith("m-") and logged["status"].endswith("READY")
    assert logged["name"] == "model" and logged["source_run_id"] == flow["run_id"]
    assert logged["artifact_location"].startswith("mlflow-artifacts:/")
    assert flow["model_metrics"] == {"rmse": 0.25}  # log_metric(model_id=...) belongs to the logged model
    assert flow["by_metric"] == [logged["model_id"]]
    assert str(flow["first_version"]) == "1"


def test_register_model_from_a_run_uri_makes_the_next_version(flow):
    assert flow["second"]["version"] == "2"
    assert flow["second"]["source"] == f"models:/{flow['logged']['model_id']}"  # as MLflow 3 resolves runs:/
    assert flow["second"]["run_id"] == flow["run_id"]


def test_alias_names_a_version_and_pyfunc_loads_it(flow):
    assert flow["by_alias"] == {
        "version": "2",
        "aliases": ["champion"],
        "description": "the better one",
        "tags": {"team": "blue"},
    }
    assert flow["prediction"] == pytest.approx(flow["expected"])
    assert flow["native"] == pytest.approx(flow["expected"][:1])


def test_search_model_versions_by_name_run_and_tag(flow):
    assert flow["versions"] == ["2", "1"]  # newest first, as MLflow orders them
    assert flow["by_run"] == ["1", "2"]
    assert flow["tagged"] == ["2"]


def test_rename_keeps_versions_tags_and_aliases_and_deleted_numbers_are_not_reused(flow):
    assert flow["renamed"] == {"name": "wine-renamed", "tags": {"owner": "ana"}, "aliases": {"champion": "2"}}
    assert flow["renamed_alias"] == "2"
    assert flow["after_rename"] == pytest.approx(flow["expected"][:1])
    assert flow["aliases_after_delete"] == {}
    assert flow["remaining"] == ["2"]
    assert flow["third"] == "3"


def test_sklearn_autolog_registers_every_fit_as_a_new_version(flow):
    assert flow["auto_versions"] == ["1", "2"]
    assert flow["auto_latest"] == pytest.approx(flow["auto_expected"])
    assert flow["names"] == ["auto-wine", "wine-renamed"]
    assert flow["logged"]["model_id"] in flow["searched_logged"]


def test_bad_input_gets_mlflow_error_codes_naming_the_field(server, mlflow_python, tmp_path):
    seen = _mlflow(mlflow_python, "errors", server.url, cwd=tmp_path)
    codes = {name: (case or {}).get("code") for name, case in seen.items()}
    assert codes == {
        "name_with_slash": "INVALID_PARAMETER_VALUE",
        "duplicate_model": "RESOURCE_ALREADY_EXISTS",
        "unknown_model": "RESOURCE_DOES_NOT_EXIST",
        "unknown_version": "RESOURCE_DOES_NOT_EXIST",
        "unknown_alias": "INVALID_PARAMETER_VALUE",  # MLflow's code for an unknown alias
        "alias_v3": "INVALID_PARAMETER_VALUE",
        "alias_3": "INVALID_PARAMETER_VALUE",
        "alias_to_missing_version": "RESOURCE_DOES_NOT_EXIST",
        "source_outside": "INVALID_PARAMETER_VALUE",
        "source_other_bucket": "INVALID_PARAMETER_VALUE",
        "source_unknown_run": "RESOURCE_DOES_NOT_EXIST",
        "version_for_unknown_model": "RESOURCE_DOES_NOT_EXIST",
        "unknown_logged_model": "RESOURCE_DOES_NOT_EXIST",
        "load_unknown_alias": "INVALID_PARAMETER_VALUE",
    }
    messages = {name: case["message"] for name, case in seen.items()}
    assert "(name)" in messages["name_with_slash"] and "'/'" in messages["name_with_slash"]
    for case in ("alias_v3", "alias_3"):
        assert "(alias)" in messages[case]
    for case in ("source_outside", "source_other_bucket"):
        assert "(source)" in messages[case] and "artifact destination" in messages[case]
    assert "nope" in messages["unknown_alias"] and "version=99" in messages["unknown_version"]


def test_the_registry_workflow_documentation_gives_the_same_results_on_both_servers(
    server, mlflow_server, mlflow_python, tmp_path
):
    """MLflow's registry workflow page, the parts ``flow`` does not cover, run by MLflow's client on a real
    ``mlflow server`` and on ours: every observed value the same (ids and times are not compared)."""
    with ThreadPoolExecutor(2) as pool:  # the two client processes at once
        ours_run = pool.submit(_mlflow, mlflow_python, "docs", server.url, cwd=tmp_path)
        theirs_run = pool.submit(_mlflow, mlflow_python, "docs", mlflow_server, cwd=tmp_path)
        ours, theirs = ours_run.result(), theirs_run.result()
    assert ours == theirs
    assert ours["copy_predicts"] == pytest.approx(ours["forest_predicts"])
    assert ours["doubler"] == [[2.0, 4.0]]
    assert ours["names_after_delete"] == ["doubler", "forest-copy"]
