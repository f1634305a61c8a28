"""Import order does not matter, and a failing post-import hook never breaks the user's import."""

from __future__ import annotations

import pytest

import autolog
from autolog import AutologWarning


def test_fit_is_logged_when_the_framework_was_imported_before_autolog(make_framework, autolog_store):
    fw = make_framework()
    module = fw.import_()
    autolog.autolog()
    try:
        module.Model(alpha=2).fit([1, 2])
    finally:
        autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == fw.name
    assert run.data.params == {"alpha": "2"}
    assert run.data.metrics == {"loss": 6.0}


def test_fit_is_logged_when_the_framework_is_imported_after_autolog(make_framework, autolog_store):
    fw = make_framework()
    autolog.autolog()
    try:
        assert not fw.imported()
        module = fw.import_()
        module.Model(alpha=3).fit([1, 1])
    finally:
        autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == fw.name
    assert run.data.params == {"alpha": "3"}


def test_a_failing_post_import_hook_does_not_break_the_users_import(make_framework, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    fw = make_framework(fail_in={"patch"})
    autolog.autolog()
    try:
        with pytest.warns(AutologWarning, match="plugin bug in patch"):
            module = fw.import_()
        model = module.Model(alpha=1).fit([4])
    finally:
        autolog.autolog(disable=True)
    assert model.loss_ == 4.0
    assert autolog.active_run() is None
    assert autolog_store.search_runs() == []


def test_a_failing_patch_of_an_imported_framework_does_not_make_autolog_raise(
    make_framework, autolog_store, monkeypatch
):
    monkeypatch.delenv("AUTOLOG_TESTING")
    fw = make_framework(fail_in={"patch"})
    module = fw.import_()
    with pytest.warns(AutologWarning, match="plugin bug in patch"):
        autolog.autolog()
    autolog.autolog(disable=True)
    assert module.Model().fit([1]).loss_ == 0.5


def test_failing_patch_in_testing_mode_fails_loudly(make_framework, autolog_store):
    fw = make_framework(fail_in={"patch"})
    fw.import_()
    with pytest.raises(Exception, match="plugin bug in patch"):
        autolog.autolog()
    autolog.autolog(disable=True)
