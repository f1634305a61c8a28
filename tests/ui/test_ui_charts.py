"""Charts a team works with (issue 24): bars for metrics with one value per run, params against a
metric for a sweep, overlays and a metric as x axis with per-chart settings kept in the address, a
live chart that keeps the user's zoom, AUC on ROC charts, the compare view's best value by the
metric's meaning, a confusion matrix sized to its box.

The sweep and curve runs come from charts_seed.py, written into a store of their own."""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.parse

import pytest
from playwright.sync_api import expect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charts_seed
from conftest import Server


@pytest.fixture(scope="module")
def charts_store(tmp_path_factory):
    store_dir = str(tmp_path_factory.mktemp("ui-charts") / "autologruns")
    os.makedirs(store_dir)
    return store_dir, charts_seed.populate(store_dir)


@pytest.fixture(scope="module")
def charts_server(charts_store):
    srv = Server(charts_store[0])
    yield srv
    srv.stop()


def store_of(store_dir: str):
    from tracking_core import uri
    from tracking_core.storage.sql_store import get_store

    return get_store(uri.resolve(store_dir).database_url)


def query(page) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def test_one_value_metrics_of_a_sweep_are_bars_with_params_against_them(page, charts_server, charts_store):
    ids = charts_store[1]["sweep"]
    page.goto(charts_server.url + "/charts?runs=" + ",".join(ids) + "&metrics=accuracy,rmse")
    accuracy = page.locator("#charts .chart[data-key='accuracy']")
    expect(accuracy).to_have_class("chart bar-chart")
    assert accuracy.locator("canvas").count() == 0  # no pile of dots at step 0
    rows = accuracy.locator(".bar-row")
    expect(rows).to_have_count(50)
    assert rows.locator(".label").all_inner_texts() == [f"trial-{i:02d}" for i in range(50)]  # table order
    values = [float(v) for v in rows.locator(".num").all_inner_texts()]
    assert rows.first.get_attribute("title") == f"trial-00: {rows.locator('.num').first.inner_text()}"
    colours = rows.locator(".bar").evaluate_all("bs => bs.map(b => getComputedStyle(b).backgroundColor)")
    assert len(set(colours)) == 50, "colours repeat"
    names = rows.locator(".label").all_inner_texts()
    expect(accuracy.locator(".bar-row.best .label")).to_have_text(names[values.index(max(values))])  # higher is better
    expect(accuracy.locator(".note")).to_contain_text("best (higher is better)")
    rmse = page.locator("#charts .chart[data-key='rmse']")
    lowest = min(float(v) for v in rmse.locator(".num").all_inner_texts())
    expect(rmse.locator(".bar-row.best .num")).to_have_text(str(lowest))  # lower is better
    page.shot("sweep-bars")
    accuracy.locator("select.bar-order").select_option("desc")
    shown = [float(v) for v in rows.locator(".num").all_inner_texts()]
    assert shown == sorted(values, reverse=True)
    assert query(page)["metrics"] == "accuracy@o=desc,rmse"
    page.goto(page.url)  # the order is in the address
    expect(page.locator("#charts .chart[data-key='accuracy'] .bar-row")).to_have_count(50)
    assert [float(v) for v in page.locator("#charts .chart[data-key='accuracy'] .num").all_inner_texts()] == shown
    # params against a metric: the scatter starts on a param that varies, parallel coordinates too
    sweep = page.locator("#sweep")
    expect(sweep).to_be_visible()
    assert page.locator("#sweep-x").input_value() in ("params.learning_rate", "params.max_depth")
    assert page.locator("#sweep-scatter").get_attribute("data-points") == "50"
    assert page.locator("#sweep-parcoords polyline").count() == 50
    assert "n_jobs" not in page.locator("#sweep-parcoords").inner_text()  # the same in every run
    page.locator("#sweep-x").select_option("params.max_depth")
    page.locator("#sweep-y").select_option("metrics.rmse")
    assert page.locator("#sweep-scatter").get_attribute("data-points") == "50"
    page.shot("sweep-bars-sorted")


def test_a_chart_of_thirty_runs_keeps_a_compact_legend_and_distinct_colours(page, charts_server, charts_store):
    ids = charts_store[1]["many"]
    page.goto(charts_server.url + "/charts?runs=" + ",".join(ids) + "&metrics=loss")
    chart = page.locator("#charts .chart[data-key='loss']")
    expect(chart.locator("canvas")).to_be_visible()
    legend = chart.locator(".u-legend")
    assert legend.locator(".u-series").count() == 31
    markers = legend.locator(".u-series .u-marker").evaluate_all("ms => ms.map(m => getComputedStyle(m).borderColor)")
    assert len(set(markers[1:])) == 30, markers  # no colour used twice
    box = legend.bounding_box()
    assert box["height"] <= 90, box  # scrolls instead of pushing the page down
    assert legend.evaluate("l => l.scrollHeight > l.clientHeight")
    page.shot("thirty-runs")


def test_overlay_metric_as_x_axis_and_settings_per_chart_live_in_the_address(page, charts_server, charts_store):
    ids = charts_store[1]["curves"]
    page.goto(charts_server.url + "/charts?runs=" + ",".join(ids) + "&metrics=loss,epoch")
    loss = page.locator("#charts .chart[data-key='loss']")
    expect(loss.locator("canvas")).to_be_visible()
    loss.locator("select.overlay").select_option("val_loss")
    expect(loss).to_have_attribute("data-keys", "loss|val_loss")
    expect(page.locator(".metric-pick[value='val_loss']")).to_be_checked()
    labels = loss.locator(".u-legend .u-series th").all_inner_texts()
    assert labels[1:] == ["keras-0 · loss", "keras-1 · loss", "keras-0 · val_loss", "keras-1 · val_loss"], labels
    assert query(page)["metrics"] == "loss|val_loss,epoch"
    # the x axis of this chart is the metric epoch; the other chart keeps its steps
    loss.locator("select.chart-x").select_option("metric:epoch")
    expect(loss).to_have_attribute("data-x", "metric:epoch")
    expect(loss.locator(".u-legend .u-series th").first).to_have_text("epoch")
    assert float(loss.get_attribute("data-x-max")) == 9.0  # epochs 0..9
    assert page.locator("#charts .chart[data-key='epoch']").get_attribute("data-x") == "step"
    loss.locator("input.chart-log").check()
    smooth = loss.locator("input.chart-smoothing")
    smooth.fill("0.6")
    smooth.dispatch_event("change")
    # smoothing is drawn over the raw line: one faded raw series under each smoothed one, not listed
    expect(loss.locator(".u-legend .u-series.raw")).to_have_count(4)
    assert loss.locator(".u-legend .u-series").count() == 9
    assert all(not r.is_visible() for r in loss.locator(".u-legend .u-series.raw").all())
    assert query(page)["metrics"] == "loss|val_loss@x=metric:epoch;log;s=0.6,epoch"
    page.shot("overlay-metric-x")
    page.goto(page.url)  # shared address: the same charts come back
    loss = page.locator("#charts .chart[data-key='loss']")
    expect(loss).to_have_attribute("data-keys", "loss|val_loss")
    expect(loss).to_have_attribute("data-x", "metric:epoch")
    expect(loss.locator("input.chart-log")).to_be_checked()
    assert loss.locator("input.chart-smoothing").input_value() == "0.6"
    assert loss.locator(".u-legend .u-series.raw").count() == 4
    # removing an overlaid metric
    loss.locator(".chart-key[data-key='val_loss'] .remove-key").click()
    expect(loss).to_have_attribute("data-keys", "loss")
    assert query(page)["metrics"].startswith("loss@")


def test_a_live_chart_keeps_the_zoom_while_new_points_arrive(page, charts_server, charts_store):
    from tracking_core import liveness
    from tracking_core.batch import WriteBatch, now_ms

    store_dir, ids = charts_store
    store = store_of(store_dir)
    live = ids["live"]
    alive = {**liveness.owner_tags(), liveness.TAG_HEARTBEAT: str(now_ms())}
    store.write(WriteBatch(tags={(live, key): value for key, value in alive.items()}))
    page.goto(charts_server.url + f"/charts?runs={live}&metrics=loss")
    chart = page.locator("#charts .chart[data-key='loss']")
    expect(chart).to_have_attribute("data-points", "200")
    page.locator("#chart-form input.smoothing").fill("0.5")
    page.locator("#chart-form input.smoothing").dispatch_event("change")
    over = chart.locator(".u-over")
    box = over.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    zoom = (float(chart.get_attribute("data-x-min")), float(chart.get_attribute("data-x-max")))
    assert 20 < zoom[0] < zoom[1] < 120, zoom
    chart.evaluate("c => c.dataset.marked = 'before refresh'")

    stop = threading.Event()

    def train() -> None:  # ten points a second, as a training loop would log
        step = 200
        while not stop.is_set() and step < 260:
            store.write(WriteBatch(metrics=[(live, "loss", 1.0 / (1 + step), now_ms(), step)]))
            step += 1
            time.sleep(0.1)

    writer = threading.Thread(target=train)
    writer.start()
    try:
        page.wait_for_function(
            '() => +document.querySelector("#charts").dataset.refreshed >= 2 && '
            "+document.querySelector(\"#charts .chart[data-key='loss']\").dataset.points > 210",
            timeout=15000,
        )
    finally:
        stop.set()
        writer.join()
    chart = page.locator("#charts .chart[data-key='loss']")
    assert chart.get_attribute("data-marked") == "before refresh"  # the same chart, updated in place
    assert (float(chart.get_attribute("data-x-min")), float(chart.get_attribute("data-x-max"))) == zoom
    assert chart.locator(".u-legend .u-series.raw").count() == 1  # still smoothed over the raw line
    assert page.locator("#chart-form input.smoothing").input_value() == "0.5"
    page.shot("live-zoom-kept")
    # double click: back to the whole history, which now holds the new points
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert float(chart.get_attribute("data-x-max")) > 205
    store.update_run(live, status="FINISHED")


def test_roc_shows_auc_and_the_confusion_matrix_fills_its_box(page, server, ids):
    page.goto(server.url + f"/runs/{ids['plots']}")
    roc = page.locator("#plots .plot[data-type='roc_curve']")
    expect(roc.locator(".u-legend")).to_contain_text("AUC = 0.91")
    expect(page.locator("#plots .plot[data-type='pr_curve'] .u-legend")).to_contain_text("AP = 0.83")
    plot = page.locator("#plots .plot[data-type='confusion_matrix']")
    table = plot.locator("table.heatmap")
    width, room = table.evaluate("t => t.getBoundingClientRect().width"), plot.evaluate("p => p.clientWidth")
    assert width > 0.8 * room, (width, room)
    cell = plot.locator("td").first
    assert float(cell.evaluate("c => parseFloat(getComputedStyle(c).fontSize)")) >= 14
    assert cell.evaluate("c => c.getBoundingClientRect().height") >= 50
    page.shot("roc-auc-confusion")
    page.goto(server.url + f"/runs/{ids['binary']}")  # the sklearn plugin's ROC without a logged AUC
    expect(page.locator("#plots .plot[data-type='roc_curve'] .u-legend")).to_contain_text("AUC = ")


def test_compare_underlines_the_best_value_by_the_metrics_meaning(page, server, ids):
    curves = ids["curves"]
    page.goto(server.url + "/compare?runs=" + ",".join(curves))

    def best(key: str) -> list[str]:
        row = page.locator(f"#compare-table tr[data-key='metrics.{key}']")
        return row.locator("td.num").evaluate_all(
            "cs => cs.map(c => c.classList.contains('best') ? c.textContent : '')"
        )

    accuracy = page.locator("#compare-table tr[data-key='metrics.accuracy'] td.num").all_inner_texts()
    loss = page.locator("#compare-table tr[data-key='metrics.loss'] td.num").all_inner_texts()
    top = max(accuracy, key=float)
    assert [v for v in best("accuracy") if v] == [top]  # higher is better for accuracy
    assert [v for v in best("loss") if v] == [min(loss, key=float)]  # lower for loss
    expect(page.locator("tr[data-key='metrics.accuracy'] button.better")).to_have_text("↑ higher is better")
    page.shot("compare-best")
    page.locator("tr[data-key='metrics.loss'] button.better").click()  # the user knows better
    assert [v for v in best("loss") if v] == [max(loss, key=float)]
    assert query(page)["better"] == "loss:higher"
    page.goto(page.url)
    assert [v for v in best("loss") if v] == [max(loss, key=float)]
    expect(page.locator("tr[data-key='metrics.loss'] button.better")).to_have_text("↑ higher is better")


def test_a_whole_sweep_charted_from_its_experiment_needs_no_history_request(page, charts_server, charts_store):
    experiment = charts_store[1]["experiment"]
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/ui-api/metrics" in r.url else None)
    page.goto(charts_server.url + f"/charts?experiments={experiment}&metrics=accuracy@o=asc")
    rows = page.locator("#charts .chart[data-key='accuracy'] .bar-row")
    expect(rows).to_have_count(50)
    values = [float(v) for v in rows.locator(".num").all_inner_texts()]
    assert values == sorted(values)
    assert asked == []  # one value a run: drawn from the latest values in the page
    page.refusals_expected = True
    response = page.goto(charts_server.url + f"/charts?experiments={experiment}&filter=nonsense =")
    assert response.status == 400
    expect(page.locator("h1")).to_have_text("Bad filter")


def test_the_charts_address_is_read_back_leaving_out_what_it_cannot_be():
    from tracking_core.ui.chart_address import chart_specs

    keys = ["loss", "val_loss", "epoch", "accuracy"]
    assert chart_specs("loss|val_loss@x=metric:epoch;log;s=0.6,accuracy@o=desc", keys) == [
        {"keys": ["loss", "val_loss"], "x": "metric:epoch", "log": True, "smoothing": 0.6},
        {"keys": ["accuracy"], "order": "desc"},
    ]
    assert chart_specs("nope,loss|nope@x=metric:nope;s=7;o=sideways;x=loss", keys) == [
        {"keys": ["loss"], "smoothing": 0.99}
    ]
    assert chart_specs("", keys) == []


def test_a_run_page_chart_overlays_another_metric_of_the_run(page, charts_server, charts_store):
    run_id = charts_store[1]["curves"][0]
    page.goto(charts_server.url + f"/runs/{run_id}")
    loss = page.locator("#run-charts .chart[data-key='loss']")
    expect(loss.locator("canvas")).to_be_visible()
    assert loss.locator("select.overlay option").all_inner_texts() == ["+ metric", "epoch", "val_loss"]
    loss.locator("select.overlay").select_option("val_loss")
    expect(loss).to_have_attribute("data-keys", "loss|val_loss")
    assert loss.locator(".u-legend .u-series th").all_inner_texts()[1:] == ["loss", "val_loss"]
    page.shot("run-page-overlay")
