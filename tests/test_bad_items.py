"""One bad item that autologging collects costs only itself: an overlong key, or a param whose
value differs from the one already in the user's run, never drops the run's other params."""

from __future__ import annotations

import warnings

import autolog
from autolog import hookimpl
from autolog.plugin_manager import register_plugin


class LongKeys:
    @hookimpl
    def autolog_collect_params(self, call):
        return {"step__" * 50 + "C": 1.0, "solver": "lbfgs"}

    @hookimpl
    def autolog_collect_tags(self, call):
        return {"t" * 300: "x", "kind": "linear"}


def test_an_overlong_param_key_drops_only_itself_with_one_warning(fw, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    register_plugin(LongKeys(), "long_keys")
    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fw.module.Model(alpha=2.0).fit([1, 2])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.params == {"alpha": "2.0", "solver": "lbfgs"}
    assert run.data.tags["kind"] == "linear"
    messages = [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert len([m for m in messages if "param(s)" in m]) == 1
    assert "step__step__" in next(m for m in messages if "param(s)" in m)
    assert run.info.status == "FINISHED"


class InputSize:
    @hookimpl
    def autolog_collect_params(self, call):
        return {f"seen_{len(call.args[0])}_rows": "yes"}


def test_second_fit_in_a_user_run_keeps_its_new_params(fw, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    register_plugin(InputSize(), "input_size")
    autolog.autolog(silent=True)
    with autolog.start_run() as run:
        fw.module.Model(alpha=1.0).fit([1, 2])
        fw.module.Model(alpha=3.0).fit([1, 2, 3])  # alpha differs: refused alone, the rest still logged
    autolog.autolog(disable=True)
    params = autolog_store.get_run(run.info.run_id).data.params
    assert params == {"alpha": "1.0", "seen_2_rows": "yes", "seen_3_rows": "yes"}
