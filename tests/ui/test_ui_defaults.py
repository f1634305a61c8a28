"""The runs table's pure helpers (no server): default columns and chart metrics from the runs shown,
the column layout written in the address, one unit for sizes, short numbers in CSV previews."""

from __future__ import annotations

from tracking_core.entities import Run, RunData, RunInfo
from tracking_core.ui.artifact_view import short_number
from tracking_core.ui.columns import Column, format_bytes, format_widths, parse_columns, parse_pins, parse_widths
from tracking_core.ui.defaults import chart_metrics, common_metrics, metric_base, varying_first, varying_params
from tracking_core.ui.queries import ColumnKeys


def run(i: int, params: dict, metrics: dict) -> Run:
    return Run(RunInfo(f"r{i}", f"run-{i}", "1", "FINISHED", 1000 + i, 2000 + i, "/a"), RunData(params, metrics, {}))


def sweep() -> list[Run]:
    return [
        run(
            i,
            {"n_jobs": "1", "dual": "False", "max_depth": str(3 + i % 3), "C": str(i % 2)},
            {"loss": 1 / (i + 1), "val_loss": 2 / (i + 1), "constant": 1.0, "accuracy": i / 10},
        )
        for i in range(6)
    ]


def test_default_params_are_those_that_vary_most_varied_first():
    assert varying_params(sweep(), 8) == ["max_depth", "C"]
    # one run: nothing varies, its params are what there is to see
    assert varying_params(sweep()[:1], 8) == ["C", "dual", "max_depth", "n_jobs"]
    # a param only some runs have tells them apart too
    runs = [*sweep(), run(9, {"n_jobs": "1", "extra": "x"}, {})]
    assert "extra" in varying_params(runs, 8) and "n_jobs" not in varying_params(runs, 8)


def test_default_metrics_leave_out_constants_and_keep_pairs_together():
    assert common_metrics(sweep(), 8) == ["loss", "val_loss", "accuracy"]
    keys = ColumnKeys([], [], [], ["dual", "n_jobs"], ["constant"])
    columns = parse_columns(None, keys, sweep())
    assert [c.name for c in columns] == [
        "params.max_depth",
        "params.C",
        "metrics.loss",
        "metrics.val_loss",
        "metrics.accuracy",
    ]
    assert parse_columns(None, keys, []) == [
        Column("metrics", "constant"),
        Column("params", "dual"),
        Column("params", "n_jobs"),
    ]


def test_chart_metrics_put_losses_first_with_their_validation_twins():
    keras = {
        k: 0.5
        for k in ("accuracy", "auc", "epoch_time", "learning_rate", "loss", "precision", "val_accuracy", "val_loss")
    }
    chosen = chart_metrics([run(0, {}, keras), run(1, {}, keras)])
    assert chosen[:2] == ["loss", "val_loss"]
    assert ("accuracy" in chosen) == ("val_accuracy" in chosen)
    assert metric_base("val_loss") == "loss" and metric_base("train/val_acc") == "acc"


def test_varying_params_come_first_for_the_scatter():
    ordered = varying_first({"alpha": ["0.5", "0.5"], "depth": ["3", "4"], "dual": ["no", "no"]})
    assert list(ordered) == ["depth", "alpha", "dual"]


def test_layout_in_the_address():
    columns = [Column("metrics", "loss"), Column("params", "C")]
    assert parse_pins("params.C,params.gone", columns) == [Column("params", "C")]
    widths = parse_widths("metrics.loss:120,tags.`a:b`:3000,bad,params.C:x")
    assert widths == {"metrics.loss": 120, "tags.`a:b`": 1200}
    assert format_widths(widths) == "metrics.loss:120,tags.`a:b`:1200"


def test_sizes_use_one_binary_unit_system():
    assert [format_bytes(n) for n in (0, 1, 1023, 1024, 5000, 3 * 1024**2, 5 * 1024**4)] == [
        "0 bytes",
        "1 byte",
        "1023 bytes",
        "1.0 KB",
        "4.9 KB",
        "3.0 MB",
        "5.0 TB",
    ]


def test_csv_numbers_are_shortened_only_when_long():
    assert short_number("0.12345678901234568") == "0.123457"
    assert short_number("1.0000000000000002e-05") == "1e-05"
    assert [short_number(t) for t in ("3.5", "12345678901", "nan", "abc.def", "0.1", "2024-01-01")] == [
        "3.5",
        "12345678901",
        "nan",
        "abc.def",
        "0.1",
        "2024-01-01",
    ]
