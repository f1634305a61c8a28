"""The UI in a real browser: what a person sees on each page, with real autologged runs.

Each test opens pages of the UI served on loopback (see conftest), checks what is shown and how
it reacts, and saves screenshots for a reviewer.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
import urllib.request

from playwright.sync_api import expect

XSS = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"


def rows(page) -> list[str]:
    return page.locator("#runs-table tbody tr td.name > a").all_inner_texts()


def test_experiments_list_shows_each_experiment_with_its_run_count(page, server):
    page.goto(server.url + "/")
    table = page.locator("#experiments")
    expect(table).to_contain_text("iris")
    counts = {
        r.locator("td").nth(1).inner_text(): r.locator("td").nth(2).inner_text()
        for r in table.locator("tbody tr").all()
    }
    assert counts["iris"] == "8"  # three fits, a learning curve, one search (parent) and its 3 child runs
    assert counts["synthetic"] == "9"
    assert counts["empty"] == "0"
    assert counts["exp " + XSS] == "1"  # an experiment name is shown as text too
    assert counts["trash"] == "0"  # its only run was deleted
    page.shot("experiments")
    page.locator("input.pick-experiment[aria-label='select iris']").check()
    page.locator("input.pick-experiment[aria-label='select synthetic']").check()
    page.locator("#open-selected").click()
    expect(page.locator("h1")).to_contain_text("iris")
    expect(page.locator("#run-count")).to_have_text("17 runs")
    page.shot("two-experiments")


def test_empty_store_and_empty_experiment_say_what_to_do(page, empty_server, server):
    page.goto(empty_server.url + "/")
    expect(page.locator(".empty h2")).to_have_text("No runs yet")
    expect(page.locator(".empty")).to_contain_text("autolog.autolog()")
    page.shot("empty-store")
    page.goto(server.url + "/")
    page.get_by_role("link", name="empty", exact=True).click()
    expect(page.locator("#no-runs")).to_contain_text("No runs in this experiment yet")
    page.shot("empty-experiment")


def test_runs_table_shows_autologged_values_status_duration_and_integration(page, server, ids, seeded):
    from tracking_core import uri
    from tracking_core.storage.sql_store import get_store

    run = get_store(uri.resolve(seeded[0]).database_url).get_run(ids["logreg"])
    columns = "metrics.training_accuracy_score,params.C,params.max_iter"
    page.goto(server.url + f"/experiments/{ids['experiments']['iris']}?columns={columns}")
    row = page.locator(f"tr[data-run-id='{ids['logreg']}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[1].strip() == run.info.run_name
    assert cells[2] == "FINISHED"
    assert cells[4].endswith(" s")  # duration
    assert cells[5] == "sklearn"
    assert float(cells[6]) == round(run.data.metrics["training_accuracy_score"], 6)
    assert cells[7:9] == ["1.0", "300"]
    headers = page.locator("#runs-table thead th").all_inner_texts()
    assert (headers[-3].split()[-1] if headers[-3].strip() else headers[-3]).startswith("training_accuracy_score")
    page.shot("runs-iris")


def test_sort_by_clicking_a_column_and_filter_with_mlflow_syntax(page, server, ids):
    page.goto(
        server.url + f"/experiments/{ids['experiments']['synthetic']}?columns=metrics.loss,params.lr,params.optimizer"
    )
    page.locator("th[data-col='metrics.loss'] a.sort").click()
    assert "order=metrics.loss+DESC" in page.url
    assert rows(page)[:4] == ["curve-lr0.01", "still-running", "curve-lr0.03", "curve-lr0.1"]
    assert set(rows(page)[4:]) == {"many-files", "xss " + XSS, "plots-and-files", "broken-run", "long-history"}
    page.locator("th[data-col='metrics.loss'] a.sort").click()
    assert "order=metrics.loss+ASC" in page.url
    assert rows(page)[0] == "curve-lr0.1"
    expect(page.locator("th[data-col='metrics.loss'] .arrow")).to_have_text("▲")
    page.locator("#filter").fill("params.optimizer = 'adam' and metrics.loss < 0.9")
    page.locator("#search-form button[type=submit]").click()
    assert sorted(rows(page)) == ["curve-lr0.01", "curve-lr0.1"]
    expect(page.locator("#run-count")).to_have_text("2 runs match")
    # the address holds filter, order and columns: opening it again gives the same table
    shared = page.url
    page.goto(shared)
    assert rows(page) == ["curve-lr0.1", "curve-lr0.01"]
    page.shot("filtered-sorted")


def test_bad_filter_gets_a_clear_message(page, server, ids):
    page.goto(server.url + f"/experiments/{ids['experiments']['synthetic']}")
    page.locator("#filter").fill("metrics.loss >> 3")
    page.locator("#search-form button[type=submit]").click()
    alert = page.locator("#filter-error")
    expect(alert).to_contain_text("Bad filter")
    expect(alert).to_contain_text("metrics.loss")
    assert page.locator("#runs-table").count() == 0
    page.shot("bad-filter")


def test_columns_chosen_by_the_user_are_kept_in_the_address(page, server, ids):
    page.goto(server.url + f"/experiments/{ids['experiments']['synthetic']}")
    page.locator("#column-chooser summary").click()
    for box in page.locator("#columns-form input.col").all():
        box.uncheck()
    page.locator("#columns-form input.col[value='params.optimizer']").check()
    page.locator("#columns-form input.col[value='tags.team']").check()
    page.locator("#columns-form button[type=submit]").click()
    assert "columns=params.optimizer%2Ctags.team" in page.url
    headers = [
        h.strip() for h in page.locator("#runs-table thead th.params, #runs-table thead th.tags").all_inner_texts()
    ]
    assert len(headers) == 2 and "optimizer" in headers[0] and "team" in headers[1]
    assert "vision" in page.locator("#runs-table").inner_text()
    # a column no listed key offers can be typed in
    page.locator("#column-chooser summary").click()
    page.locator("#columns-form .chooser-filter").fill("params.not_logged_anywhere")
    page.locator("#columns-form .chooser-filter").press("Enter")
    page.wait_for_url("**columns=params.optimizer%2Ctags.team%2Cparams.not_logged_anywhere**")
    assert page.locator("#runs-table thead th.params").count() == 2


def test_parent_and_child_runs_shown_as_a_tree(page, server, ids):
    page.goto(server.url + f"/experiments/{ids['experiments']['iris']}")
    parent = page.locator(f"tr[data-run-id='{ids['search']}']")
    expect(parent.locator(".badge.children")).to_have_text("3 child runs")
    children = page.locator(f"tr[data-parent='{ids['search']}']")
    assert children.count() == 3
    # children come right after their parent
    order = page.locator("#runs-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.runId)")
    at = order.index(ids["search"])
    child_ids = set(children.evaluate_all("rows => rows.map(r => r.dataset.runId)"))
    assert set(order[at + 1 : at + 4]) == child_ids
    parent.locator("button.twisty").click()
    for i in range(3):
        expect(children.nth(i)).to_be_hidden()
    page.shot("tree-collapsed")
    parent.locator("button.twisty").click()
    expect(children.nth(0)).to_be_visible()
    parent.locator(".badge.children").click()
    expect(page.locator("#run-count")).to_have_text("3 runs match")
    # the parent's page names its children, links each, and says who made it from what
    page.goto(server.url + f"/runs/{ids['search']}")
    links = page.locator("#child-runs a.child-run")
    assert links.count() == 3
    assert {href.rsplit("/", 1)[-1] for href in links.evaluate_all("as => as.map(a => a.href)")} == child_ids
    expect(page.locator("#children-link")).to_have_text("all 3 child runs in the table")
    expect(page.locator("#created-by")).not_to_be_empty()
    expect(page.locator("#run-source")).to_contain_text("seed.py")
    page.shot("parent-run-children")


def test_csv_download_matches_the_table(page, server, ids):
    page.goto(
        server.url
        + f"/experiments/{ids['experiments']['synthetic']}?columns=params.lr,metrics.loss&filter="
        + urllib.parse.quote("tags.team = 'vision'")
        + "&order=metrics.loss+ASC"
    )
    with page.expect_download() as info:
        page.locator("#csv-link").click()
    text = open(info.value.path(), encoding="utf-8").read()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["run_name"] for r in table] == ["curve-lr0.1", "curve-lr0.03", "curve-lr0.01"]
    assert [r["params.lr"] for r in table] == ["0.1", "0.03", "0.01"]
    assert all(float(r["metrics.loss"]) < 1 and r["status"] == "FINISHED" for r in table)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["start_time"]) for r in table)  # UTC, said so


def test_run_page_shows_params_metrics_tags_and_the_model(page, server, ids):
    page.goto(server.url + f"/runs/{ids['logreg']}")
    expect(page.locator("#run-status")).to_have_text("FINISHED")
    params = dict(r.locator("td").all_inner_texts() for r in page.locator("#params-table tbody tr").all())
    assert params["C"] == "1.0" and params["max_iter"] == "300"
    metrics = page.locator("#metrics-table").inner_text()
    assert "training_accuracy_score" in metrics
    tags = page.locator("#tags-table").inner_text()
    assert "LogisticRegression" in tags and "autolog.autologging" not in tags  # system tags apart
    page.locator("#system-tags summary").click()
    expect(page.locator("#system-tags")).to_contain_text("autolog.autologging")
    model = page.locator("section.model").first
    expect(model).to_contain_text("sklearn")
    expect(model.locator(".signature")).to_contain_text("sepal length (cm)")
    expect(model.locator("pre.requirements")).to_contain_text("scikit-learn==")
    page.shot("run-logreg")


def test_artifact_tree_and_previews(page, server, ids):
    page.goto(server.url + f"/runs/{ids['plots']}")
    tree = page.locator("#artifact-tree")
    # an image inside a directory
    tree.locator("li[data-path='images'] > button.twisty").click()
    tree.locator("li[data-path='images/blue.png'] > a").click()
    image = page.locator("#artifact-preview img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    page.shot("preview-image")
    # CSV as a table
    tree.locator("li[data-path='table.csv'] > a").click()
    expect(page.locator("#artifact-preview table")).to_contain_text("a")
    assert page.locator("#artifact-preview table tr").count() == 3
    # HTML in a sandboxed iframe: shown, but its script does not run
    tree.locator("li[data-path='report.html'] > a").click()
    frame = page.locator("#artifact-preview iframe")
    expect(frame).to_have_attribute("sandbox", "")
    expect(page.frame_locator("#artifact-preview iframe").locator("h1")).to_have_text("report")
    assert page.evaluate("window.__xss") is None
    page.wait_for_timeout(100)
    assert any("report.html" in m for m in page.blocked_scripts), page.blocked_scripts
    page.shot("preview-html")
    # text, with download
    tree.locator("li[data-path='notes'] > button.twisty").click()
    tree.locator("li[data-path='notes/readme.txt'] > a").click()
    expect(page.locator("#artifact-preview pre")).to_contain_text("hello from a text file")
    with page.expect_download() as info:
        page.locator("#artifact-preview a.button").click()
    assert open(info.value.path()).read().startswith("hello from a text file")


def test_a_model_without_signature_or_requirements_still_shows(page, server, ids):
    response = page.goto(server.url + f"/runs/{ids['plots']}")
    assert response.status == 200
    model = page.locator("section.model")
    expect(model).to_contain_text("bare_model")
    expect(model).to_contain_text("python_function")
    expect(model).to_contain_text("No signature recorded.")


def test_run_with_many_artifacts_shows_the_rest_on_request(page, server, ids):
    page.goto(server.url + f"/runs/{ids['many_files']}")
    tree = page.locator("#artifact-tree")
    assert tree.locator("li.file").count() == 300
    page.locator("#tree-more").click()
    expect(tree.locator("li.file")).to_have_count(320)
    assert tree.locator("li.file").last.get_attribute("data-path") == "part_319.txt"


def test_plots_logged_as_data_are_drawn_as_charts(page, server, ids):
    page.goto(server.url + f"/runs/{ids['plots']}")
    plots = page.locator("#plots .plot")
    types = plots.evaluate_all("ps => ps.map(p => p.dataset.type)")
    assert sorted(types) == ["confusion_matrix", "feature_importance", "learning_curve", "pr_curve", "roc_curve"]
    heat = page.locator("#plots .plot[data-type='confusion_matrix'] table.heatmap")
    assert heat.locator("td").all_inner_texts() == ["12", "1", "0", "2", "9", "1", "0", "1", "14"]
    page.locator("#plots .plot[data-type='confusion_matrix'] input.normalize").check()
    assert heat.locator("td").first.inner_text() == "92.3%"
    roc = page.locator("#plots .plot[data-type='roc_curve']")
    expect(roc.locator("canvas")).to_be_visible()
    assert roc.get_attribute("data-points") == "7"  # 5 points + the chance diagonal
    # hovering the ROC chart shows values in the legend
    box = roc.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(roc.locator(".u-legend")).not_to_contain_text("roc curve (0.91): —")
    bars = page.locator("#plots .plot[data-type='feature_importance'] .bar")
    assert bars.count() == 20
    page.locator("#plots .plot[data-type='feature_importance'] button").click()
    assert bars.count() == 25
    page.shot("plots")


def test_plot_data_the_sklearn_plugin_logs_is_drawn(page, server, ids):
    page.goto(server.url + f"/runs/{ids['binary']}")
    types = page.locator("#plots .plot").evaluate_all("ps => ps.map(p => p.dataset.type)")
    assert {"confusion_matrix", "roc_curve", "pr_curve"} <= set(types), types
    expect(page.locator("#plots .plot[data-type='roc_curve'] canvas")).to_be_visible()
    page.shot("sklearn-binary-plots")
    page.goto(server.url + f"/runs/{ids['learning_curve']}")
    curve = page.locator("#plots .plot[data-type='learning_curve']")
    expect(curve.locator("canvas")).to_be_visible()
    assert curve.get_attribute("data-points") == "6"  # 3 sizes x (train, test)
    page.shot("sklearn-learning-curve")


def test_metric_chart_draws_downsampled_history_keeping_the_spike(page, server, ids, seeded):
    from tracking_core import uri
    from tracking_core.storage.sql_store import get_store

    full = [p.value for p in get_store(uri.resolve(seeded[0]).database_url).get_metric_history(ids["long"], "signal")]
    page.goto(server.url + f"/charts?runs={ids['long']}&metrics=signal,short")
    signal = page.locator("#charts .chart[data-key='signal']")
    short = page.locator("#charts .chart[data-key='short']")
    expect(signal.locator("canvas")).to_be_visible()
    assert short.get_attribute("data-points") == "20"  # small histories are drawn whole
    drawn = int(signal.get_attribute("data-points"))
    width = signal.evaluate("e => e.clientWidth")
    assert 100 < drawn <= 2 * width + 2, (drawn, width)
    assert signal.get_attribute("data-total") == "10000"
    body = json.loads(
        urllib.request.urlopen(server.url + f"/ui-api/metrics?runs={ids['long']}&key=signal&points=300").read()
    )
    values = body["series"][0]["value"]
    assert max(values) == max(full) == 100.0 and min(values) == round(min(full), 8)  # exact extremes kept
    # x axis by wall time (labelled with the browser's zone) and relative time, log scale and smoothing
    page.locator("select.x-axis").select_option("time")
    expect(signal.locator(".u-legend")).to_contain_text(re.compile(r"wall time \((UTC|GMT)\)"))
    page.locator("select.x-axis").select_option("relative")
    expect(signal.locator(".u-legend")).to_contain_text("seconds since run start")
    page.locator("input.log-scale").check()
    page.locator("input.smoothing").fill("0.8")
    assert "x=relative" in page.url
    page.shot("charts-long")


def test_chart_of_several_runs_and_shared_address(page, server, ids):
    curves = ",".join(ids["curves"])
    page.goto(server.url + f"/charts?runs={curves}&metrics=loss&x=step")
    chart = page.locator("#charts .chart[data-key='loss']")
    assert chart.get_attribute("data-points") == "600"
    assert chart.locator(".u-legend .u-series").count() == 4  # x + three runs
    page.locator(".metric-pick[value='accuracy']").check()
    expect(page.locator("#charts .chart[data-key='accuracy']")).to_be_visible()
    assert "metrics=accuracy%2Closs" in page.url or "metrics=loss%2Caccuracy" in page.url
    page.shot("charts-three-runs")


def test_chart_of_a_running_run_refreshes_itself(page, server, ids, seeded):
    from tracking_core import liveness, uri
    from tracking_core.batch import WriteBatch, now_ms
    from tracking_core.storage.sql_store import get_store

    store = get_store(uri.resolve(seeded[0]).database_url)
    # The seeding process has exited, so readers show its open run KILLED; hand the run to this
    # (living) process, as if it were still training here.
    alive = {**liveness.owner_tags(), liveness.TAG_HEARTBEAT: str(now_ms())}
    store.write(WriteBatch(tags={(ids["running"], key): value for key, value in alive.items()}))
    store.update_run(ids["running"], status="RUNNING")
    page.goto(server.url + f"/charts?runs={ids['running']}&metrics=loss")
    chart = page.locator("#charts .chart[data-key='loss']")
    expect(chart).to_have_attribute("data-points", "2")
    store.write(WriteBatch(metrics=[(ids["running"], "loss", 0.25, now_ms(), 2)]))
    expect(page.locator("#charts .chart[data-key='loss']")).to_have_attribute("data-points", "3", timeout=8000)


def test_compare_view_highlights_differences_and_draws_parcoords_and_scatter(page, server, ids):
    curves = ids["curves"]
    page.goto(server.url + "/compare?runs=" + ",".join(curves))
    table = page.locator("#compare-table")
    expect(table.locator("tr[data-key='params.lr']")).to_have_class("differs")
    lr = table.locator("tr[data-key='params.lr'] td").all_inner_texts()
    assert lr == ["lr", "0.1", "0.03", "0.01"]
    page.locator("#only-diff").check()
    shown = page.locator("#curve-metric").input_value()  # the metric every run has, losses first
    chart = page.locator(f"#compare-charts .chart[data-key='{shown}']")
    expect(chart).to_have_attribute("data-points", re.compile("."))
    expect(page.locator("#compare-charts .chart canvas").first).to_be_visible()
    assert page.locator("#parcoords").get_attribute("data-lines") == "3"
    assert page.locator("#parcoords polyline").count() == 3
    page.locator("#scatter-x").select_option("params.lr")
    page.locator("#scatter-y").select_option("metrics.loss")
    assert page.locator("#scatter").get_attribute("data-points") == "3"
    page.shot("compare")


def test_logged_html_and_javascript_stay_text_everywhere(page, server, ids):
    """Payloads in a run name, params, tags, a metric key and artifact names are shown, never run."""
    xss = ids["xss"]
    visits = [
        f"/experiments/{ids['experiments']['synthetic']}?columns=params.payload,params.script,tags.payload,tags.team,metrics.m_<b>bold</b>",
        f"/runs/{xss}",
        f"/compare?runs={xss},{ids['curves'][0]}",
        f"/charts?runs={xss}",
        "/",
        f"/experiments/{ids['experiments']['exp ' + XSS]}",
        f"/runs/{ids['xss_experiment_run']}",
    ]
    for path in visits:
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        assert XSS in text, path
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("main b").count() == 0
        assert page.evaluate("window.__xss") is None, path
    page.goto(server.url + f"/runs/{xss}")
    assert XSS_SCRIPT in page.locator("#params-table").inner_text()
    assert XSS_SCRIPT in page.locator("#tags-table").inner_text()
    expect(page.locator("#artifact-preview pre")).to_have_text(XSS)  # the first file opens by itself
    assert XSS in page.locator("#artifact-tree").inner_text()
    page.locator("#artifact-tree li[data-path='notes.md'] > a").click()
    expect(page.locator("#artifact-preview pre")).to_have_text(XSS_SCRIPT)
    assert page.evaluate("window.__xss") is None
    page.shot("xss-run")


def test_unknown_and_deleted_runs_get_a_friendly_404(page, server, ids):
    response = page.goto(server.url + "/runs/0123456789abcdef0123456789abcdef")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Run not found")
    expect(page.locator(".error-page a")).to_have_text("← All experiments")
    page.shot("unknown-run")
    response = page.goto(server.url + f"/runs/{ids['deleted']}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Run deleted")
    response = page.goto(server.url + "/experiments/999")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Experiment not found")
    page.shot("unknown-experiment")
