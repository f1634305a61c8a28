"""The user's training never breaks because of autologging (DESIGN.md guarantee 1)."""

from __future__ import annotations

import os
import traceback
import warnings

import pytest

import autolog
from autolog import AutologWarning
from tracking_core.storage.sql_store import SqlStore
from tracking_core.storage.sqlite_direct import DirectSqliteStore

from core_support import PluginBug


def _autolog_warnings(record) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, AutologWarning)]


def test_user_exception_propagates_with_its_type_and_traceback(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    error = fw.module.TrainingError("diverged")
    model = fw.module.Model(fail_with=error)
    with pytest.raises(fw.module.TrainingError) as caught:
        model.fit([1])
    assert caught.value is error
    innermost = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert innermost.name == "fit"
    assert os.path.basename(innermost.filename) == fw.module_name.rsplit(".", 1)[1] + ".py"
    assert innermost.line == "raise self.fail_with  # the line a user's traceback must end on"
    assert model.fit_calls == 1


@pytest.mark.parametrize(
    "failing_hook", ["run_started", "before_training", "collect_params", "collect_metrics", "run_ended"]
)
def test_a_plugin_error_warns_once_and_leaves_result_and_run_status_alone(
    make_framework, autolog_store, monkeypatch, failing_hook
):
    monkeypatch.delenv("AUTOLOG_TESTING")
    fw = make_framework(fail_in={failing_hook})
    module = fw.import_()
    autolog.autolog()
    try:
        model = module.Model(alpha=2)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            result = model.fit([1, 2])
    finally:
        autolog.autolog(disable=True)

    assert result is model and model.loss_ == 6.0 and model.fit_calls == 1
    found = _autolog_warnings(record)
    assert len(found) == 1, [str(w.message) for w in found]
    assert fw.name in str(found[0].message) and f"plugin bug in {failing_hook}" in str(found[0].message)
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert autolog.active_run() is None
    if failing_hook != "collect_params":
        assert run.data.params == {"alpha": "2"}  # the other hooks still logged
    if failing_hook != "collect_metrics":
        assert run.data.metrics == {"loss": 6.0}


def test_the_same_plugin_error_in_later_fits_does_not_warn_again(make_framework, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    fw = make_framework(fail_in={"collect_params"})
    module = fw.import_()
    autolog.autolog()
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            for _ in range(3):
                module.Model().fit([1])
    finally:
        autolog.autolog(disable=True)
    assert len(_autolog_warnings(record)) == 1


def test_silent_suppresses_the_warning(make_framework, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    fw = make_framework(fail_in={"collect_params"})
    module = fw.import_()
    autolog.autolog(silent=True)
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert module.Model().fit([1]).loss_ == 0.5
    finally:
        autolog.autolog(disable=True)
    assert _autolog_warnings(record) == []


@pytest.mark.parametrize("failing_hook", ["before_training", "collect_params", "run_ended"])
def test_testing_mode_reraises_plugin_errors_and_leaves_no_run_open(make_framework, autolog_store, failing_hook):
    assert os.environ["AUTOLOG_TESTING"] == "1"
    fw = make_framework(fail_in={failing_hook})
    module = fw.import_()
    autolog.autolog()
    try:
        with pytest.raises(PluginBug, match=f"plugin bug in {failing_hook}"):
            module.Model().fit([1])
        assert autolog.active_run() is None
    finally:
        autolog.autolog(disable=True)


def test_an_unwritable_store_directory_warns_once_and_training_goes_on(fw, autolog_store, tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store directory should be")
    autolog.set_tracking_uri(str(blocker / "store"))
    autolog.autolog()
    try:
        model = fw.module.Model(alpha=3)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            result = model.fit([1])
    finally:
        autolog.autolog(disable=True)
    assert result is model and model.loss_ == 3.0
    found = _autolog_warnings(record)
    assert len(found) == 1, [str(w.message) for w in found]
    assert fw.name in str(found[0].message)
    assert autolog.active_run() is None
    assert blocker.read_text() == "a file where the store directory should be"


def test_a_store_that_raises_warns_once_and_the_run_is_not_failed(fw, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    autolog_store.search_runs()  # the store exists and works before it starts failing
    stores = (SqlStore, DirectSqliteStore)  # what a writer persists through (a local SQLite file: the direct one)
    real_writes = [store.write for store in stores]

    def broken_write(self, batch):
        raise OSError("disk I/O error")

    autolog.autolog()
    try:
        for store in stores:
            monkeypatch.setattr(store, "write", broken_write)
        model = fw.module.Model(alpha=2)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            result = model.fit([5])
    finally:
        for store, real_write in zip(stores, real_writes, strict=True):
            monkeypatch.setattr(store, "write", real_write)
        autolog.autolog(disable=True)
    assert result is model and model.loss_ == 10.0
    found = _autolog_warnings(record)
    assert len(found) == 1, [str(w.message) for w in found]
    assert "disk I/O error" in str(found[0].message)
    assert autolog.active_run() is None

    autolog.flush()  # the store works again: nothing queued was lost
    (run,) = autolog_store.search_runs()
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "2"} and run.data.metrics == {"loss": 10.0}
