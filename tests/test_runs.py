"""Runs around patched calls: managed runs, the user's run, exclusive, nesting, threads; who ran them."""

from __future__ import annotations

import threading

import pytest

import autolog


def test_a_managed_run_is_created_tagged_and_finished(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    assert autolog.active_run() is None
    fw.module.Model(alpha=1).fit([2])
    assert autolog.active_run() is None
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.info.end_time is not None and run.info.end_time >= run.info.start_time
    assert run.data.tags["autolog.autologging"] == fw.name
    assert autolog_store.get_run(run.info.run_id).data.metrics == {"loss": 2.0}


def test_a_managed_run_is_failed_when_training_raises(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    with pytest.raises(fw.module.TrainingError):
        fw.module.Model(fail_with=fw.module.TrainingError("nan loss")).fit([1])
    (run,) = autolog_store.search_runs()
    assert run.info.status == "FAILED"
    assert autolog.active_run() is None


def test_a_managed_run_is_killed_on_keyboard_interrupt(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    with pytest.raises(KeyboardInterrupt):
        fw.module.Model(fail_with=KeyboardInterrupt()).fit([1])
    (run,) = autolog_store.search_runs()
    assert run.info.status == "KILLED"
    assert autolog.active_run() is None


def test_extra_tags_are_set_on_managed_runs(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name, extra_tags={"team": "vision"})
    fw.module.Model().fit([1])
    assert autolog.last_active_run().data.tags["team"] == "vision"


def test_the_users_active_run_is_logged_into_and_left_open(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    with autolog.start_run(run_name="mine") as mine:
        fw.module.Model(alpha=7).fit([1])
        assert autolog.active_run() is mine
        autolog.log_metric("after_fit", 1.0)
        during = autolog_store.get_run(mine.info.run_id)
    assert during.info.status == "RUNNING"
    assert during.data.params == {"alpha": "7"}
    assert during.data.metrics == {"loss": 7.0, "after_fit": 1.0}
    assert len(autolog_store.search_runs()) == 1
    assert autolog_store.get_run(mine.info.run_id).info.status == "FINISHED"


def test_exclusive_logs_nothing_into_the_users_run(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name, exclusive=True)
    with autolog.start_run() as mine:
        model = fw.module.Model(alpha=7).fit([1])
        assert autolog.active_run() is mine
    assert model.loss_ == 7.0
    (run,) = autolog_store.search_runs()
    assert run.info.run_id == mine.info.run_id
    assert run.data.params == {} and run.data.metrics == {}
    assert "autolog.autologging" not in run.data.tags
    fw.module.Model().fit([1])  # without a user run, exclusive still autologs its own run
    assert len(autolog_store.search_runs()) == 2


def test_nested_patched_calls_produce_one_run(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    inner_calls = []
    model = fw.module.Overriding(alpha=2)
    # Overriding.fit calls the patched Model.fit; a callback fits another model inside training.
    model.fit([1], callbacks=[lambda epoch: inner_calls.append(fw.module.Model().fit([9]))])
    assert len(inner_calls) == 1
    (run,) = autolog_store.search_runs()
    assert run.data.params == {"alpha": "2"} and run.data.metrics == {"loss": 2.0}


def test_eight_threads_training_at_once_each_get_their_own_run(fw, autolog_enable, autolog_store):
    autolog_enable(fw.name)
    barrier = threading.Barrier(8, timeout=30)
    runs, errors = {}, []

    def train(alpha):
        try:
            fw.module.Model(alpha=alpha).fit([1], callbacks=[lambda epoch: barrier.wait()])
            runs[alpha] = autolog.last_active_run()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=train, args=(alpha,)) for alpha in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len({run.info.run_id for run in runs.values()}) == 8
    for alpha, run in runs.items():
        assert run.info.status == "FINISHED"
        assert run.data.params == {"alpha": str(alpha)}
        assert run.data.metrics == {"loss": float(alpha)}
    assert len(autolog_store.search_runs()) == 8
    assert autolog.active_run() is None


def test_per_library_options_win_over_the_global_call_whatever_the_order(fw, autolog_store):
    handle = getattr(autolog, fw.name)
    try:
        handle.autolog(disable=True)
        autolog.autolog()
        fw.module.Model().fit([1])
        assert autolog_store.search_runs() == []
        handle.autolog(disable=False, exclusive=True)
        autolog.autolog(exclusive=False)
        assert handle.options["exclusive"] is True
        with autolog.start_run() as mine:
            fw.module.Model().fit([1])
        assert autolog_store.get_run(mine.info.run_id).data.params == {}
    finally:
        handle.autolog(disable=True)


def test_an_asyncio_task_does_not_log_into_another_tasks_run(fw, autolog_enable, autolog_store):
    import asyncio

    autolog_enable(fw.name)

    async def user_task(opened, trained):
        with autolog.start_run(run_name="task-a") as mine:
            opened.set()
            await trained.wait()  # task b trains while this task's run is active
            assert autolog.active_run() is mine
        return mine.info.run_id

    async def training_task(opened, trained):
        await opened.wait()
        assert autolog.active_run() is None
        fw.module.Model(alpha=4).fit([1])
        trained.set()
        return autolog.last_active_run()

    async def main():
        opened, trained = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(user_task(opened, trained), training_task(opened, trained))

    user_run_id, trained_run = asyncio.run(main())
    assert trained_run.info.run_id != user_run_id
    assert trained_run.data.params == {"alpha": "4"} and trained_run.info.status == "FINISHED"
    assert autolog_store.get_run(user_run_id).data.params == {}


def test_a_patched_call_made_by_a_plugin_while_collecting_is_not_logged_again(fw, autolog_enable, autolog_store):
    from autolog import hookimpl
    from autolog.plugin_manager import register_plugin, unregister_plugin

    class RefitsWhileCollecting:
        @hookimpl
        def autolog_collect_tags(self, call):
            if call.integration == fw.name:
                fw.module.Model(alpha=100).fit([1])  # e.g. a baseline fitted for comparison
                return {"baseline": "done"}

    register_plugin(RefitsWhileCollecting(), "refits")
    try:
        autolog_enable(fw.name)
        fw.module.Model(alpha=1).fit([1])
    finally:
        unregister_plugin("refits")
    (run,) = autolog_store.search_runs()
    assert run.data.params == {"alpha": "1"} and run.data.tags["baseline"] == "done"


def test_the_test_kit_reports_a_run_left_open_in_another_thread(autolog_store):
    import threading

    from autolog.testing import leaked_runs

    opened = []
    thread = threading.Thread(target=lambda: opened.append(autolog.start_run().info.run_id))
    thread.start()
    thread.join()
    try:
        assert leaked_runs() == opened
    finally:
        from tracking_core import fluent

        fluent._open_runs.pop(opened[0])._ended = True


def test_runs_name_their_user_as_getpass_does(autolog_store, monkeypatch):
    """The user tag is read without importing getpass (it imports termios), with getpass's answer."""
    import getpass

    from tracking_core.lineage import run_context

    for env in ({"LOGNAME": "from-logname", "USER": "from-user"}, {"LOGNAME": "", "USER": "from-user"}, {}):
        for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert run_context._user() == getpass.getuser()
    with autolog.start_run() as run:
        pass
    tags = autolog_store.get_run(run.info.run_id).data.tags
    assert tags["autolog.user"] == tags["mlflow.user"] == run_context.system_tags()["autolog.user"]
