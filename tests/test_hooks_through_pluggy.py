"""Hooks are called through pluggy: wrappers, tracing and hook validation work as pluggy documents,
and one failing plugin still never silences another."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import pluggy
import pytest

import autolog
from autolog import hookimpl
from autolog.plugin_manager import register_plugin

from core_support import REPO_DIR


def test_a_wrapper_hookimpl_on_a_collect_hook_keeps_everything_and_can_add(fw, autolog_store):
    class Wrapper:
        @hookimpl(wrapper=True)
        def autolog_collect_params(self, call):
            results = yield
            return [*results, {"wrapped": "yes"}]

    register_plugin(Wrapper(), "wrapper")
    autolog.autolog()
    fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.params == {"alpha": "2.0", "wrapped": "yes"}
    assert "loss" in run.data.metrics


def test_a_failing_wrapper_still_lets_the_plain_implementations_log(fw, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")

    class BrokenWrapper:
        @hookimpl(wrapper=True)
        def autolog_collect_params(self, call):
            yield
            raise RuntimeError("wrapper bug")

    register_plugin(BrokenWrapper(), "broken_wrapper")
    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    assert autolog.last_active_run().data.params == {"alpha": "2.0"}
    assert any("wrapper bug" in str(w.message) for w in caught)


def test_a_failing_plugin_does_not_silence_the_next_one(fw, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")

    class Failing:
        @hookimpl(tryfirst=True)
        def autolog_collect_params(self, call):
            raise ValueError("first plugin bug")

    class Extra:
        @hookimpl
        def autolog_collect_params(self, call):
            return {"extra": 1}

    register_plugin(Extra(), "extra")
    register_plugin(Failing(), "failing")
    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    assert autolog.last_active_run().data.params == {"alpha": "2.0", "extra": "1"}
    messages = [str(w.message) for w in caught]
    assert any("plugin failing" in m and "first plugin bug" in m for m in messages)


def test_a_misspelled_hook_is_refused_naming_the_hook_and_the_plugin(plugin_state):
    class Misspelled:
        @hookimpl
        def autolog_collect_param(self, call):
            return {"never": "logged"}

    with pytest.raises(pluggy.PluginValidationError, match=r"'misspelled'.*autolog_collect_param\b"):
        register_plugin(Misspelled(), "misspelled")
    from autolog.plugin_manager import plugin_manager

    assert plugin_manager().get_plugin("misspelled") is None


TRACED = """
    import sys
    import autolog
    from autolog import hookimpl
    from autolog.plugin_manager import register_plugin
    autolog.set_tracking_uri(sys.argv[1])

    class Observer:
        @hookimpl
        def autolog_collect_tags(self, call):
            return {"observed": "yes"}

    register_plugin(Observer(), "observer")
    from sklearn.linear_model import LinearRegression
    autolog.autolog()
    LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])
"""


def test_tracing_prints_every_hook_call(tmp_path):
    env = {**os.environ, "AUTOLOG_TRACE_PLUGINS": "1", "AUTOLOG_LOAD_PLUGINS": "sklearn"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(TRACED), str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for hook in (
        "autolog_register_integrations",
        "autolog_run_started",
        "autolog_before_training",
        "autolog_collect_params",
        "autolog_collect_metrics",
        "autolog_collect_tags",
        "autolog_collect_models",
        "autolog_run_ended",
    ):
        assert hook in done.stderr, hook
