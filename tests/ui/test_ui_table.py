"""The runs table a team works in (issue 24): defaults from the runs shown, a layout that keeps the
run in view and is remembered, notices instead of silent limits, live rows, the back button,
completion of keys in the filter box, short numbers in CSV previews, one unit for sizes.

The sweep these tests use is written straight into the seeded store (a separate experiment, so
the other tests' counts stay as they are): 120 runs in which most params never change.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid

import pytest
from playwright.sync_api import expect

SWEEP_RUNS = 120
CONSTANT_PARAMS = {f"a_const_{i}": str(i) for i in range(9)} | {"dual": "False", "n_jobs": "1", "alpha": "0.5"}
METRICS = ("accuracy", "auc", "epoch_time", "learning_rate", "loss", "precision", "val_accuracy", "val_loss")
LONG_FLOAT = "0.12345678901234568"


def _store(seeded):
    from tracking_core import uri
    from tracking_core.storage.sql_store import get_store

    return get_store(uri.resolve(seeded[0]).database_url)


def _new_runs(store, experiment_id: str, names: list[str]):
    from tracking_core.batch import NewRun, WriteBatch, now_ms

    location = store.get_experiment(experiment_id).artifact_location.rstrip("/")
    t0 = now_ms() - 10_000_000
    made = [
        NewRun(uuid.uuid4().hex, experiment_id, name, t0 + i * 1000, f"{location}/{i}/artifacts")
        for i, name in enumerate(names)
    ]
    store.write(WriteBatch(new_runs=made))
    return [r.run_id for r in made], t0


@pytest.fixture(scope="module")
def sweep(seeded):
    """(experiment id, run ids oldest first) of a 120-run sweep over max_depth and C."""
    from tracking_core.batch import WriteBatch

    store = _store(seeded)
    experiment_id = store.create_experiment("sweep")
    run_ids, t0 = _new_runs(store, experiment_id, [f"sweep-{i:03d}" for i in range(SWEEP_RUNS)])
    params, metrics, ends = {}, [], {}
    for i, run_id in enumerate(run_ids):
        for key, value in {**CONSTANT_PARAMS, "max_depth": str(3 + i % 4), "C": str(10 ** (i % 3 - 1))}.items():
            params[(run_id, key)] = value
        for j, key in enumerate(METRICS):
            metrics.append((run_id, key, 1.0 / (i + j + 1), t0 + i * 1000, 0))
        ends[run_id] = ("FINISHED", t0 + i * 1000 + 500)
    store.write(WriteBatch(params=params, metrics=metrics, run_ends=ends))
    return experiment_id, run_ids


def headers(page) -> list[str]:
    return page.locator("#runs-table thead th[data-col]").evaluate_all("ths => ths.map(t => t.dataset.col)")


# -- item 3: defaults --------------------------------------------------------------------------------
def test_default_columns_are_the_params_that_vary_and_the_common_metrics(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}")
    shown = headers(page)
    params = [h for h in shown if h.startswith("params.")]
    assert set(params) == {"params.max_depth", "params.C"}  # the 12 constant params are not defaults
    metrics = [h for h in shown if h.startswith("metrics.")]
    assert "metrics.loss" in metrics and "metrics.val_loss" in metrics
    assert metrics.index("metrics.val_loss") == metrics.index("metrics.loss") + 1  # a pair side by side
    # sorting keeps the columns (the links carry them): the sorted column does not vanish
    page.locator("th[data-col='params.max_depth'] a.sort").click()
    assert "params.max_depth" in headers(page)
    page.shot("sweep-defaults")


def test_charts_tick_the_losses_and_compare_scatters_a_param_that_varies(page, server, sweep):
    chosen = sweep[1][:5]
    page.goto(server.url + "/charts?runs=" + ",".join(chosen))
    ticked = page.locator(".metric-pick:checked").evaluate_all("bs => bs.map(b => b.value)")
    assert "loss" in ticked and "val_loss" in ticked
    assert ("accuracy" in ticked) == ("val_accuracy" in ticked)  # train and validation together
    page.goto(server.url + "/compare?runs=" + ",".join(chosen))
    assert page.locator("#scatter-x").input_value() in ("params.max_depth", "params.C")
    page.shot("compare-scatter-default")


# -- item 5: no silent drops --------------------------------------------------------------------------
def test_selecting_more_runs_than_a_page_holds_says_so(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}?size=250")
    page.locator("#select-all").check()
    expect(page.locator("#compare-selected")).to_have_text("Compare 120 runs (first 100)")
    expect(page.locator("#chart-selected")).to_have_text("Chart 120 runs")  # charts hold 1,000 runs
    page.locator("#compare-selected").click()
    assert "selected=120" in page.url and page.url.count(",") == 99  # the address holds the runs shown
    notice = page.locator("#limit-notice")
    expect(notice).to_contain_text("120 runs were selected; the first 100 are shown")
    expect(page.locator("h1")).to_have_text("Compare 100 runs")
    page.shot("compare-limit-notice")
    page.go_back()
    page.locator("#chart-selected").click()
    expect(page.locator("#charts[data-drawn-ms]")).to_be_attached()
    assert page.locator("#limit-notice").count() == 0 and page.url.count(",") == 119  # every selected run
    page.shot("charts-all-selected")
    page.goto(server.url + "/charts?selected=1500&runs=" + ",".join(sweep[1][:3]))  # what the button sends past 1,000
    expect(page.locator("#limit-notice")).to_contain_text("1,500 runs were selected; the first 3 are shown")
    page.goto(server.url + "/compare?runs=" + ",".join(sweep[1][:3]))
    assert page.locator("#limit-notice").count() == 0


# -- item 7: back button --------------------------------------------------------------------------------
def test_back_from_charts_keeps_the_buttons_working(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}")
    picks = page.locator("input.pick")
    picks.nth(0).check()
    picks.nth(1).check()
    page.locator("#chart-selected").click()
    page.wait_for_url("**/charts?**")
    page.go_back()
    page.wait_for_url(f"**/experiments/{sweep[0]}")
    expect(page.locator("input.pick:checked")).to_have_count(2)
    expect(page.locator("#compare-selected")).to_be_enabled()
    expect(page.locator("#chart-selected")).to_be_enabled()
    expect(page.locator("#compare-selected")).to_have_text("Compare 2 runs")


# -- item 4: the layout ---------------------------------------------------------------------------------
def test_run_name_stays_in_view_and_columns_pin_move_hide_resize_and_are_remembered(page, server, sweep):
    experiment = sweep[0]
    columns = "metrics.accuracy,metrics.auc,metrics.loss,params.C,params.max_depth,params.dual,params.n_jobs"
    page.set_viewport_size({"width": 900, "height": 800})
    page.goto(server.url + f"/experiments/{experiment}?columns={urllib.parse.quote(columns)}")
    wrap = page.locator(".table-wrap")
    name = page.locator("#runs-table tbody tr").first.locator("td.name")
    x_before = name.bounding_box()["x"]
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    assert wrap.evaluate("w => w.scrollLeft") > 200
    assert abs(name.bounding_box()["x"] - x_before) < 1  # the run name did not scroll away
    on_top = """th => {
        const box = th.getBoundingClientRect();
        return document.elementFromPoint(box.x + 8, box.y + 8).closest("th") === th;
    }"""
    assert page.locator("#runs-table th.name").evaluate(on_top)  # nor did its header, drawn above the others
    page.shot("scrolled-right")

    def menu(column: str, item: str) -> None:
        page.locator(f"th[data-col='{column}'] .col-menu").click()
        with page.expect_navigation():
            page.get_by_role("menuitem", name=item).click()

    menu("params.C", "Pin to the left")
    expect(page).to_have_url(re.compile(r"pin=params\.C"))
    assert headers(page)[:2] == ["attributes.run_name", "params.C"]  # right after the run name
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    pinned = page.locator("#runs-table tbody tr").first.locator("td").nth(2)
    assert pinned.bounding_box()["x"] < 400  # still in view on the left
    assert page.locator("#runs-table th[data-col='params.C']").evaluate(on_top)
    page.shot("pinned")
    menu("metrics.auc", "Move right")
    shown = headers(page)
    assert shown.index("metrics.loss") < shown.index("metrics.auc")
    menu("params.n_jobs", "Hide column")
    assert "params.n_jobs" not in headers(page)
    # attribute columns can be hidden too, and the chooser shows them again
    menu("attributes.duration", "Hide column")
    assert "attributes.duration" not in headers(page) and "attributes.status" in headers(page)
    expect(page).to_have_url(re.compile(r"hide=attributes\.duration"))
    # the column chooser keeps the moved order, and adds a newly ticked column at the end
    before = headers(page)
    page.locator("#column-chooser summary").click()
    page.locator("#columns-form input.col[value='metrics.val_loss']").check()
    with page.expect_navigation():
        page.locator("#columns-form button[type=submit]").click()
    assert headers(page) == [h for h in before if h != "attributes.duration"] + ["metrics.val_loss"]
    page.locator("#column-chooser summary").click()
    page.locator("#columns-form input.attr[value='attributes.duration']").check()
    page.locator("#columns-form input.attr[value='attributes.start_time']").uncheck()
    with page.expect_navigation():
        page.locator("#columns-form button[type=submit]").click()
    assert "attributes.duration" in headers(page) and "attributes.start_time" not in headers(page)
    assert page.locator("#runs-table tbody tr").first.locator("td").count() == len(headers(page)) + 1
    # resize by dragging the right edge of a header
    th = page.locator("th[data-col='metrics.accuracy']")
    th.scroll_into_view_if_needed()
    box = th.bounding_box()
    grip = th.locator(".resizer").bounding_box()
    page.mouse.move(grip["x"] + 3, grip["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip["x"] + 153, grip["y"] + 5, steps=5)
    page.mouse.up()
    assert th.bounding_box()["width"] > box["width"] + 100
    expect(page).to_have_url(re.compile(r"widths=metrics\.accuracy%3A\d+"))
    # the whole layout is in the address: opening it again gives the same table
    shared = page.url
    layout = headers(page)
    page.goto(shared)
    assert headers(page) == layout
    # and the browser remembers it: the experiment opened from the list gets it back
    page.goto(server.url + f"/experiments/{experiment}")
    expect(page).to_have_url(re.compile(r"columns="))
    assert headers(page) == layout
    assert page.locator("th[data-col='metrics.accuracy']").bounding_box()["width"] > box["width"] + 100
    page.shot("layout-remembered")
    page.locator("#column-chooser summary").click()
    with page.expect_navigation():
        page.locator("#columns-reset").click()
    assert "params.n_jobs" not in headers(page) and set(h for h in headers(page) if h.startswith("params.")) == {
        "params.max_depth",
        "params.C",
    }
    page.goto(server.url + f"/experiments/{experiment}")
    assert "pin=" not in page.url and "columns=" not in page.url


def test_column_menu_works_from_the_keyboard(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}?columns=metrics.loss,params.C")
    page.locator("th[data-col='params.C'] .col-menu").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Pin to the left")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Move left")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"columns=params\.C%2Cmetrics\.loss"))
    page.keyboard.press("Escape")


# -- item 6: live rows ----------------------------------------------------------------------------------
def test_runs_table_follows_a_running_run_until_it_ends(page, server, seeded):
    from tracking_core.batch import WriteBatch, now_ms
    from tracking_core.lineage import liveness

    store = _store(seeded)
    experiment = store.create_experiment("live table")
    (running, done), _ = _new_runs(store, experiment, ["training-now", "finished-before"])
    alive = {**liveness.owner_tags(), liveness.TAG_HEARTBEAT: str(now_ms())}
    store.write(
        WriteBatch(
            tags={(running, k): v for k, v in alive.items()},
            metrics=[(running, "loss", 0.9, now_ms(), 0), (done, "loss", 0.1, now_ms(), 0)],
            run_ends={done: ("FINISHED", now_ms())},
        )
    )
    page.goto(server.url + f"/experiments/{experiment}?columns=metrics.loss")
    row = page.locator(f"tr[data-run-id='{running}']")
    expect(row.locator(".status")).to_have_text("RUNNING")
    row.locator("input.pick").check()
    page.evaluate("window.__same_page = true")
    store.write(WriteBatch(metrics=[(running, "loss", 0.25, now_ms(), 1)]))
    expect(row.locator("td").nth(6)).to_have_text("0.25", timeout=10_000)
    expect(page.locator("#live-note")).to_contain_text("1 run running")
    # a run started meanwhile (the sweep's next trial) is announced, not pushed into the rows
    (started,), _ = _new_runs(store, experiment, ["next-trial"])
    expect(page.locator("#new-runs")).to_have_text("1 new run — show", timeout=10_000)
    assert page.locator("#runs-table tbody tr").count() == 2
    store.write(WriteBatch(run_ends={running: ("FINISHED", now_ms())}))
    expect(row.locator(".status")).to_have_text("FINISHED", timeout=10_000)
    assert page.evaluate("window.__same_page") is True  # updated in place, not reloaded
    expect(row.locator("input.pick")).to_be_checked()
    page.shot("live-finished")
    polls = page.locator("#runs-table").get_attribute("data-live-polls")
    page.wait_for_timeout(4000)
    assert page.locator("#runs-table").get_attribute("data-live-polls") == polls  # polling stopped
    store.write(WriteBatch(run_ends={started: ("FINISHED", now_ms())}))
    page.locator("#new-runs").click()
    expect(page.locator("#runs-table tbody tr")).to_have_count(3)


# -- item 10: completion, CSV numbers, sizes ------------------------------------------------------------
def test_filter_box_completes_entities_and_the_experiments_keys(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}")
    box = page.locator("#filter")
    box.click()
    box.press_sequentially("par")
    options = page.locator("#filter-suggestions li")
    expect(options.first).to_have_attribute("data-value", "params.")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("params.")
    expect(page.locator("#filter-suggestions li[data-value='params.max_depth']")).to_be_visible()
    box.press_sequentially("max")
    page.keyboard.press("Tab")
    expect(box).to_have_value("params.max_depth")
    box.press_sequentially(" = '3' and val_l")
    expect(options.first).to_have_attribute("data-value", "metrics.val_loss")
    page.shot("completion")
    page.locator("#filter-suggestions li").first.click()
    expect(box).to_have_value("params.max_depth = '3' and metrics.val_loss")
    box.press_sequentially(" < 1")
    page.keyboard.press("Enter")  # no suggestion open: the search runs
    expect(page.locator("#run-count")).to_have_text("30 runs match")


def test_csv_preview_shows_short_numbers_and_sizes_use_one_unit(page, server, seeded, sweep):
    from tracking_core.storage.artifacts import repository_for

    store = _store(seeded)
    run = store.get_run(sweep[1][0])
    repository_for(run.info.artifact_uri).write_bytes("preds.csv", f"id,score\n1,{LONG_FLOAT}\n2,3.5\n".encode())
    repository_for(run.info.artifact_uri).write_bytes("big.bin", b"x" * 5000)
    page.goto(server.url + f"/runs/{run.info.run_id}")
    page.locator("#artifact-tree a.artifact-link", has_text="preds.csv").click()
    cell = page.locator("#artifact-preview td").nth(1)
    expect(cell).to_have_text("0.123457")
    assert cell.get_attribute("title") == LONG_FLOAT
    expect(page.locator("#artifact-preview td").nth(3)).to_have_text("3.5")
    sizes = page.locator("#artifact-tree .size").all_inner_texts()
    assert "4.9 KB" in sizes and "5,000" not in sizes
    assert all(re.fullmatch(r"\d+ bytes?|\d+\.\d (KB|MB|GB)", s) for s in sizes), sizes
    page.shot("csv-preview")


def test_a_header_dragged_onto_another_moves_its_column(page, server, sweep):
    page.goto(server.url + f"/experiments/{sweep[0]}?columns=metrics.loss,metrics.auc,params.C")
    with page.expect_navigation():
        page.drag_and_drop("th[data-col='params.C']", "th[data-col='metrics.loss']")
    assert [h for h in headers(page) if "." in h and not h.startswith(("attributes.", "tags.`"))] == [
        "params.C",
        "metrics.loss",
        "metrics.auc",
    ]


def test_keys_holding_html_stay_text_in_the_menus_and_the_completion(page, server, ids):
    experiment = ids["experiments"]["synthetic"]
    page.goto(server.url + f"/experiments/{experiment}?columns=metrics.loss,params.payload")
    page.locator("#filter").click()
    page.keyboard.type("params.")
    script_key = page.locator("#filter-suggestions li", has_text="<script>")
    expect(script_key).to_have_count(1)
    script_key.click()
    expect(page.locator("#filter")).to_have_value("params.`<script>window.__xss=2<_script>`")
    page.locator("th[data-col='params.payload'] .col-menu").click()
    expect(page.get_by_role("menu")).to_have_attribute("aria-label", "column params.payload")
    page.keyboard.press("Escape")
    page.locator("#filter").fill("")
    page.keyboard.type("m_<")
    expect(page.locator("#filter-suggestions li").first).to_have_attribute("data-value", "metrics.`m_<b>bold</b>`")
    page.shot("xss-completion")
    assert page.evaluate("window.__xss") is None


@pytest.fixture(scope="module")
def two_estimators(seeded):
    """Run ids of 3 logistic regressions (C varies; dual and a score of their own constant) and 2
    forests (max_depth varies), all with training_accuracy_score: what a mixed sweep logs."""
    from tracking_core.batch import WriteBatch

    store = _store(seeded)
    experiment_id = store.create_experiment("two estimators")
    run_ids, t0 = _new_runs(store, experiment_id, ["lr-1", "lr-2", "lr-3", "rf-1", "rf-2"])
    params, metrics = {}, []
    for i, run_id in enumerate(run_ids):
        own = {"C": str(10**i), "dual": "False"} if i < 3 else {"max_depth": str(i)}
        params.update({(run_id, k): v for k, v in own.items()})
        metrics.append((run_id, "training_accuracy_score", 0.8 + i / 50, t0 + i, 0))
        if i < 3:
            metrics.append((run_id, "LogisticRegression_score_Xte", 0.7 + i / 50, t0 + i, 0))
    store.write(WriteBatch(params=params, metrics=metrics, run_ends={r: ("FINISHED", t0 + 9) for r in run_ids}))
    return run_ids


def test_compare_of_two_estimators_defaults_to_what_every_run_has(page, server, two_estimators):
    page.goto(server.url + "/compare?runs=" + ",".join(two_estimators))
    for select in ("#scatter-y", "#curve-metric", "#parcoords-metric"):  # not one only the regressions have
        assert page.locator(select).input_value().endswith("training_accuracy_score"), select
    axes = page.locator("#parcoords svg text").all_text_contents()
    assert "dual" not in axes  # constant among the runs that have it: not an axis
    assert "C" in axes and "max_depth" in axes
    expect(page.locator("#scatter")).to_have_attribute("data-x-scale", "log")  # C = 1, 10, 100
    assert page.locator("#scatter").get_attribute("data-points") == "3"  # the forests have no C
    keys = page.locator("#compare-table tr[data-key]").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys.index("metrics.training_accuracy_score") < keys.index("params.C")  # metrics on the first screen
    page.shot("compare-two-estimators")
