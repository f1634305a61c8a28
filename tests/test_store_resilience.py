"""What one bad value can cost: nothing but itself."""

from __future__ import annotations

import logging

import pytest

import autolog


def test_out_of_range_step_or_timestamp_is_refused_at_the_call_naming_the_metric(autolog_store):
    with autolog.start_run():
        with pytest.raises(ValueError, match=r"metric 'loss': step .* outside the 64-bit integer range"):
            autolog.log_metric("loss", 1.0, step=10**20)
        with pytest.raises(ValueError, match=r"timestamp .* outside the 64-bit integer range"):
            autolog.log_metric("loss", 1.0, timestamp=-(10**20))
        autolog.log_metric("loss", 1.0, step=1)
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED" and run.data.metrics == {"loss": 1.0}


def test_nul_characters_in_params_tags_and_run_names_are_refused(autolog_store):
    with autolog.start_run():
        with pytest.raises(ValueError, match=r"param 'p'.*NUL"):
            autolog.log_param("p", "a\x00b")
        with pytest.raises(ValueError, match=r"tag 't'.*NUL"):
            autolog.set_tag("t", "a\x00b")
    with pytest.raises(ValueError, match="longer than 256"):
        autolog.start_run(run_name="x" * 300)


def test_an_item_the_store_refuses_costs_no_other_data(autolog_store, caplog):
    with autolog.start_run() as run:
        autolog.log_param("p", 1)
        autolog.log_metric("good", 1.0, step=1)
        # A caller below the validation layer (a buggy plugin) queues a step SQLite cannot store.
        run.tracker.writer.log_metric(run.info.run_id, "bad", 1.0, 0, 10**20)
        autolog.log_metric("good", 2.0, step=2)
        with caplog.at_level(logging.ERROR, logger="tracking_core.client.writer"):
            autolog.flush()
        autolog.log_metric("good", 3.0, step=3)
    logged = autolog_store.get_run(run.info.run_id)
    assert logged.info.status == "FINISHED"
    assert logged.data.params == {"p": "1"}
    assert [m.value for m in autolog_store.get_metric_history(run.info.run_id, "good")] == [1.0, 2.0, 3.0]
    assert "bad" not in logged.data.metrics
    assert "refused" in caplog.text


def test_a_forked_child_logs_into_the_parents_run_without_losing_data(autolog_store):
    import os

    with autolog.start_run() as run:
        autolog.log_metric("parent", 1.0)
        pid = os.fork()
        if pid == 0:  # the child
            try:
                autolog.log_metric("child", 2.0)
                autolog.flush()
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert status == 0
    logged = autolog_store.get_run(run.info.run_id)
    assert logged.data.metrics == {"parent": 1.0, "child": 2.0}


def test_refused_items_are_reported_once_per_cause_with_a_count(autolog_store, caplog):
    """A 50-round fit whose every point the store refuses logs one line, not 50 (issue 21, item 7)."""
    with autolog.start_run() as run:
        autolog.log_metric("good", 1.0, step=1)
        for i in range(50):  # below the validation layer, as a buggy plugin would: SQLite cannot store the step
            run.tracker.writer.log_metric(run.info.run_id, f"bad{i % 2}", float(i), i, 10**20 + i)
        with caplog.at_level(logging.ERROR, logger="tracking_core.client.writer"):
            autolog.flush()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "50 " in errors[0] and "refused" in errors[0] and "metric" in errors[0]
    assert autolog_store.get_run(run.info.run_id).data.metrics == {"good": 1.0}
