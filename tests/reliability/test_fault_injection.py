"""Fault injection on every framework: a store whose writes all fail, and every hook raising.

Each framework runs in a fresh interpreter (``fault_child.py``): the model trained with autolog
under faults must predict exactly what the same training without autolog predicts, the user gets
one AutologWarning for the integration, and nothing else reaches stderr from autolog (no
traceback, no log message). The same child also raises KeyboardInterrupt inside training: the
run ends KILLED, keeping the per-step metrics logged before it.
"""

from __future__ import annotations

import json
import os

import pytest

from reliability_support import HERE, Tmpfs, make_store, run_child

FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "tensorflow", "lightning", "statsmodels", "catboost")


@pytest.fixture(scope="module")
def broken_store(tmp_path_factory):
    """A store on a tmpfs remounted read-only: reads work, every write fails with a real error."""
    root = tmp_path_factory.mktemp("ro")
    mount = Tmpfs(str(root / "mnt"), size="8m")
    try:
        store = os.path.join(mount.path, "store")
        make_store(store)
        mount.remount(ro=True)
        yield store
    finally:
        mount.unmount()


@pytest.fixture(scope="module", params=FRAMEWORKS)
def outcome(request, broken_store, tmp_path_factory):
    name = request.param
    pytest.importorskip({"sklearn": "sklearn", "tensorflow": "keras"}.get(name, name))
    work = tmp_path_factory.mktemp(f"fault-{name}")
    out = work / "report.json"
    result = run_child(
        [os.path.join(HERE, "fault_child.py"), name, str(work / "store"), broken_store, str(out)], timeout=300
    )
    assert result.returncode == 0 and out.exists(), result.stderr[-4000:]
    return name, json.loads(out.read_text()), result.stderr


def _one_warning_for(name: str, warnings: list[str]) -> None:
    assert len(warnings) == 1, f"expected one warning for {name}, got {len(warnings)}: {warnings}"
    assert name in warnings[0]


def test_every_hook_raising_leaves_the_model_identical_with_one_warning(outcome):
    name, report, _stderr = outcome
    assert report["broken_own_hooks"] > 0  # the integration's own hooks were broken too
    assert report["hooks"]["predictions"] == report["baseline"]
    _one_warning_for(name, report["hooks"]["warnings"])
    assert not report["hooks"]["active_run_left"]


def test_a_store_failing_every_write_leaves_the_model_identical_with_one_warning(outcome):
    name, report, _stderr = outcome
    assert report["store"]["predictions"] == report["baseline"]
    _one_warning_for(name, report["store"]["warnings"])
    message = report["store"]["warnings"][0].lower()
    assert "read-only" in message or "readonly" in message, message  # it names the real cause
    assert not report["store"]["active_run_left"]


def test_nothing_but_the_warnings_reaches_stderr(outcome):
    _name, _report, stderr = outcome
    assert "Traceback" not in stderr, stderr[-4000:]
    autolog_lines = [line for line in stderr.splitlines() if "autolog" in line.lower()]
    assert autolog_lines == [], autolog_lines


def test_ctrl_c_in_training_ends_the_run_killed_with_its_data(outcome):
    _name, report, _stderr = outcome
    interrupt = report["interrupt"]
    assert interrupt["raised"], "KeyboardInterrupt (Lightning: its exit after Ctrl-C) must reach the user"
    assert interrupt["status"] == "KILLED"
    assert not interrupt["active_run_left"]
    assert interrupt["warnings"] == []
    if interrupt["expects_step_metrics"]:
        assert interrupt["metric_points"] > 0, "the steps logged before Ctrl-C are kept"
