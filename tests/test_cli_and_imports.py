"""The ``autolog`` command, and what ``import autolog`` / ``autolog.autolog()`` cost in imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import autolog

from core_support import PLUGIN_SOURCE, REPO_DIR, run_python, write_distribution

AUTOLOG_COMMAND = os.path.join(os.path.dirname(sys.executable), "autolog")
ML_FRAMEWORKS = [
    "sklearn",
    "xgboost",
    "lightgbm",
    "tensorflow",
    "keras",
    "torch",
    "lightning",
    "pytorch_lightning",
    "statsmodels",
    "numpy",
    "pandas",
    "scipy",
]


def _autolog_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [AUTOLOG_COMMAND] if os.path.exists(AUTOLOG_COMMAND) else [sys.executable, "-m", "autolog"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLOG_")}
    full_env["PYTHONPATH"] = REPO_DIR
    full_env.update(env or {})
    return subprocess.run([*command, *args], env=full_env, capture_output=True, text=True, timeout=60)


def test_import_autolog_imports_no_ml_framework_and_no_sqlalchemy():
    result = run_python(
        "import sys, json\n"
        "import autolog\n"
        f"before = sorted(m for m in sys.modules if m.split('.')[0] in {ML_FRAMEWORKS!r} + ['sqlalchemy'])\n"
        "autolog.autolog()\n"
        f"after = sorted(m for m in sys.modules if m.split('.')[0] in {ML_FRAMEWORKS!r})\n"
        "print(json.dumps([before, after]))\n"
    )
    on_import, on_enable = json.loads(result.stdout.strip().splitlines()[-1])
    assert on_import == [], f"import autolog imported {on_import}"
    assert on_enable == [], f"autolog.autolog() (with every installed plugin) imported {on_enable}"


@pytest.fixture
def populated_store(autolog_store, tmp_path):
    with autolog.start_run(run_name="cli-run", tags={"autolog.autologging": "fakeint"}) as run:
        autolog.log_params({"alpha": 0.25})
        autolog.log_metric("loss", 0.125)
        autolog.log_text("hello", "notes/readme.txt")
    return str(tmp_path / "autologruns"), run.info.run_id


def test_cli_runs_list_shows_the_runs_of_the_store(populated_store):
    store, run_id = populated_store
    result = _autolog_cli("runs", "list", env={"AUTOLOG_TRACKING_URI": store})
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if run_id in line]
    assert "cli-run" in line and "FINISHED" in line and "fakeint" in line


def test_cli_runs_show_prints_params_metrics_tags_and_artifacts(populated_store):
    store, run_id = populated_store
    result = _autolog_cli("runs", "show", run_id, env={"AUTOLOG_TRACKING_URI": store})
    assert result.returncode == 0, result.stderr
    assert run_id in result.stdout and "FINISHED" in result.stdout
    assert "alpha = 0.25" in result.stdout and "loss = 0.125" in result.stdout
    assert "autolog.autologging = fakeint" in result.stdout
    assert "notes/" in result.stdout


def test_cli_runs_show_of_an_unknown_run_fails_naming_it(populated_store):
    store, _run_id = populated_store
    result = _autolog_cli("runs", "show", "deadbeef" * 4, env={"AUTOLOG_TRACKING_URI": store})
    assert result.returncode == 1
    assert "deadbeef" * 4 in result.stderr


def test_cli_plugins_lists_an_installed_plugin_with_its_range(tmp_path):
    write_distribution(
        tmp_path,
        "autolog-clifake",
        version="3.2.1",
        entry_points={"clifake": "autolog_clifake"},
        requires=['clifakelib>=1,<2; extra == "framework"'],
        files={"autolog_clifake.py": PLUGIN_SOURCE.format(name="clifake", framework="clifakelib")},
    )
    result = _autolog_cli("plugins", env={"PYTHONPATH": os.pathsep.join([REPO_DIR, str(tmp_path)])})
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("clifake ")]
    assert line.split() == [
        "clifake",
        "autolog-clifake",
        "3.2.1",
        "clifakelib",
        "<2,>=1",
        "-",
        "framework",
        "not",
        "installed",
    ]


def test_cli_runs_list_shows_a_parents_children_nested_below_it(autolog_store, tmp_path):
    """(issue 21, item 22) as the UI does: a search's candidates indented under the search."""
    with autolog.start_run(run_name="search", tags={"estimator_name": "GridSearchCV"}) as parent:
        for i in range(2):
            with autolog.start_run(run_name=f"candidate-{i}", nested=True, tags={"estimator_name": "SVC"}):
                pass
    with autolog.start_run(run_name="later"):
        pass
    result = _autolog_cli("runs", "list", env={"AUTOLOG_TRACKING_URI": str(tmp_path / "autologruns")})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines()[1:] if line.strip()]
    names = [line.split()[1:3] for line in lines]
    assert names[0] == ["later", "FINISHED"]
    assert names[1] == ["search", "FINISHED"] and parent.info.run_id in lines[1] and "GridSearchCV" in lines[1]
    assert [n for n in names[2:]] == [["└", "candidate-0"], ["└", "candidate-1"]] or [n for n in names[2:]] == [
        ["└", "candidate-1"],
        ["└", "candidate-0"],
    ]
    assert all(line.rstrip().endswith("SVC") for line in lines[2:])
