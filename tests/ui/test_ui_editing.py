"""Changes made in the UI (issue 24 items 1, 9, 10): renaming, tagging, noting, deleting and
restoring runs (one or many), creating, renaming, deleting and restoring experiments; the run
page's section nav, filter, copy buttons and folded signature; why a FAILED run failed; times
with their zone.

Every change goes through the REST API the clients use, so each test checks it through REST too.
The tests run on their own store (edit_seed.py), so the other UI tests read the seed unchanged.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

HERE = os.path.dirname(os.path.abspath(__file__))


def _ui_conftest():
    """tests/ui/conftest.py as a module (its Server starts ``autolog ui`` on a store)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ui_conftest_for_editing", os.path.join(HERE, "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_conftest = _ui_conftest()
Server, seed_store, free_port = _conftest.Server, _conftest.seed_store, _conftest.free_port
XSS = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
API = "/api/2.0/mlflow"


def call(base: str, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """One REST request, as a client sends it; (status, JSON answer)."""
    if method == "GET":
        url, data = f"{base}{API}/{path}?{urllib.parse.urlencode(body or {})}", None
    else:
        url, data = f"{base}{API}/{path}", json.dumps(body or {}).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def get_run(base: str, run_id: str, headers: dict | None = None) -> dict:
    status, answer = call(base, "GET", "runs/get", {"run_id": run_id}, headers)
    assert status == 200, answer
    run = answer["run"]
    run["tags"] = {t["key"]: t["value"] for t in run["data"].get("tags", [])}
    return run


def new_run(base: str, experiment_id: str, name: str, headers: dict | None = None) -> str:
    status, answer = call(base, "POST", "runs/create", {"experiment_id": experiment_id, "run_name": name}, headers)
    assert status == 200, answer
    return answer["run"]["info"]["run_id"]


def new_experiment(base: str, name: str, headers: dict | None = None) -> str:
    status, answer = call(base, "POST", "experiments/create", {"name": name}, headers)
    assert status == 200, answer
    return answer["experiment_id"]


@pytest.fixture(scope="module")
def edit_store(tmp_path_factory):
    return seed_store(tmp_path_factory, "edit_seed.py", "ui-edit-store")


@pytest.fixture(scope="module")
def editing(edit_store):
    """(server, seeded ids) of ``autolog ui`` on the editing store."""
    srv = Server(edit_store[0])
    yield srv, edit_store[1]
    srv.stop()


# -- runs: rename, tags, note ------------------------------------------------------------------------
def test_rename_tag_and_note_a_run_from_its_page_and_a_client_sees_them(page, editing):
    server, _ = editing
    experiment = new_experiment(server.url, "rename-and-tag")
    run_id = new_run(server.url, experiment, "before")
    page.goto(f"{server.url}/runs/{run_id}")
    page.shot("before")
    # rename: the new name is a payload that must stay text
    name = "after " + XSS
    page.locator("#rename-run").click()
    page.locator("#rename-input").fill(name)
    page.locator("#rename-form button[type=submit]").click()
    expect(page.locator("#run-name")).to_have_text(name)
    assert get_run(server.url, run_id)["info"]["run_name"] == name
    # set a tag, then change its value, then delete another
    for key, value in (("team", "vision " + XSS_SCRIPT), ("stage", "draft")):
        page.locator("#tag-key").fill(key)
        page.locator("#tag-value").fill(value)
        page.locator("#tag-form button[type=submit]").click()
        expect(page.locator(f"#tags-table tr[data-key='{key}'] td.value")).to_have_text(value)
    page.locator("#tags-table tr[data-key='team'] button.edit-tag").click()
    expect(page.locator("#tag-key")).to_have_value("team")
    expect(page.locator("#tag-value")).to_have_value("vision " + XSS_SCRIPT)
    page.locator("#tag-value").fill("vision-2")
    page.locator("#tag-form button[type=submit]").click()
    expect(page.locator("#tags-table tr[data-key='team'] td.value")).to_have_text("vision-2")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#tags-table tr[data-key='stage'] button.delete-tag").click()
    expect(page.locator("#tags-table tr[data-key='stage']")).to_have_count(0)
    tags = get_run(server.url, run_id)["tags"]
    assert tags["team"] == "vision-2" and "stage" not in tags
    # a note (MLflow's mlflow.note.content, its "Description"): drawn as Markdown, HTML in it stays text
    note = (
        f"## Baseline\nTried a **smaller** learning rate, `max_depth` 4.\n\n- {XSS_SCRIPT}\n- {XSS}\n"
        "- [docs](https://example.org/x) [bad](javascript:alert(1))"
    )
    expect(page.locator("#no-note")).to_be_visible()
    page.locator("#edit-note").click()
    page.locator("#note-input").fill(note)
    page.locator("#note-form button[type=submit]").click()
    box = page.locator("#note-text")
    expect(box.locator("h4")).to_have_text("Baseline")
    expect(box.locator("strong")).to_have_text("smaller")
    expect(box.locator("code")).to_have_text("max_depth")
    expect(box.locator("li")).to_have_count(3)
    expect(box.locator("li").nth(0)).to_have_text(XSS_SCRIPT)  # the markup as text
    expect(box.locator("li").nth(1)).to_have_text(XSS)
    assert box.locator("a").evaluate_all("as => as.map(a => a.href)") == ["https://example.org/x"]
    expect(box.locator("li").nth(2)).to_contain_text("[bad](javascript:alert(1))")  # not a link
    assert get_run(server.url, run_id)["tags"]["mlflow.note.content"] == note
    assert box.locator("script, img").count() == 0
    assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__xss") is None
    page.shot("edited")
    # clearing the note removes the tag
    page.locator("#edit-note").click()
    page.locator("#note-input").fill("")
    page.locator("#note-form button[type=submit]").click()
    expect(page.locator("#no-note")).to_be_visible()
    assert "mlflow.note.content" not in get_run(server.url, run_id)["tags"]
    # the runs table shows the new name and tag, as text
    page.goto(f"{server.url}/experiments/{experiment}?columns=tags.team")
    expect(page.locator("#runs-table td.name > a")).to_have_text(name)
    expect(page.locator(f"#runs-table tr[data-run-id='{run_id}']")).to_contain_text("vision-2")
    assert page.evaluate("window.__xss") is None


def test_a_refused_change_shows_the_servers_message_and_changes_nothing(page, editing):
    server, _ = editing
    run_id = new_run(server.url, "0", "refusal")
    page.goto(f"{server.url}/runs/{run_id}")
    page.refusals_expected = True
    page.locator("#tag-key").fill("bad/../key")  # not a valid tag key
    page.locator("#tag-value").fill("x")
    page.locator("#tag-form button[type=submit]").click()
    error = page.locator("#edit-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The server refused the change")
    expect(error).to_contain_text("INVALID_PARAMETER_VALUE")
    page.shot("refused")
    assert "bad/../key" not in get_run(server.url, run_id)["tags"]


# -- runs: delete and restore -----------------------------------------------------------------------
def test_delete_a_run_from_its_page_then_restore_it_from_there(page, editing):
    server, _ = editing
    experiment = new_experiment(server.url, "delete-one")
    run_id = new_run(server.url, experiment, "short-lived")
    page.goto(f"{server.url}/runs/{run_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#delete-run").click()
    expect(page.locator("h1")).to_have_text("Run deleted")
    expect(page.locator(".error-page .message")).to_contain_text("short-lived")
    assert get_run(server.url, run_id)["info"]["lifecycle_stage"] == "deleted"
    expect(page.locator(".error-page")).not_to_contain_text("REST API")
    page.shot("deleted")
    page.locator("#restore-run").click()
    expect(page.locator("#run-name")).to_have_text("short-lived")
    assert get_run(server.url, run_id)["info"]["lifecycle_stage"] == "active"


def test_delete_many_runs_from_the_table_undo_and_restore_from_deleted_runs(page, editing):
    server, _ = editing
    experiment = new_experiment(server.url, "bulk")
    run_ids = [new_run(server.url, experiment, f"bulk-{i}") for i in range(4)]
    page.goto(f"{server.url}/experiments/{experiment}")
    delete = page.locator("#delete-selected")
    expect(delete).to_be_disabled()
    for run_id in run_ids[:3]:
        page.locator(f"#runs-table tr[data-run-id='{run_id}'] input.pick").check()
    expect(delete).to_have_text("Delete 3 runs")
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator("#undo-bar")).to_contain_text("3 runs deleted")
    expect(page.locator("#runs-table tbody tr")).to_have_count(1)
    assert [get_run(server.url, r)["info"]["lifecycle_stage"] for r in run_ids] == ["deleted"] * 3 + ["active"]
    page.shot("bulk-deleted")
    page.locator("#undo-delete").click()
    expect(page.locator("#runs-table tbody tr")).to_have_count(4)
    expect(page.locator("#undo-bar")).to_have_count(0)
    assert all(get_run(server.url, r)["info"]["lifecycle_stage"] == "active" for r in run_ids)
    # delete two again; restore one by one and then the rest at once from the deleted runs page
    page.locator("#select-all").check()
    expect(delete).to_have_text("Delete 4 runs")
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator("#no-runs")).to_be_visible()
    page.locator("#deleted-runs-link").click()
    expect(page.locator("#deleted-runs-table tbody tr")).to_have_count(4)
    page.shot("deleted-runs")
    page.locator(f"#deleted-runs-table tr[data-run-id='{run_ids[0]}'] button.restore-run").click()
    expect(page.locator("#deleted-runs-table tbody tr")).to_have_count(3)
    page.locator("#select-all-deleted").check()
    expect(page.locator("#restore-selected")).to_have_text("Restore 3 runs")
    page.locator("#restore-selected").click()
    expect(page.locator("#no-deleted-runs")).to_be_visible()
    assert all(get_run(server.url, r)["info"]["lifecycle_stage"] == "active" for r in run_ids)


# -- experiments ------------------------------------------------------------------------------------
def test_create_rename_delete_and_restore_an_experiment(page, editing):
    server, _ = editing
    page.goto(server.url + "/")
    name = "exp " + XSS
    page.locator("#new-experiment-name").fill(name)
    page.locator("#create-experiment-form button[type=submit]").click()
    expect(page.locator("h1 .exp-name")).to_have_text(name)  # its (empty) runs table
    status, answer = call(server.url, "GET", "experiments/get-by-name", {"experiment_name": name})
    assert status == 200, answer
    experiment_id = answer["experiment"]["experiment_id"]
    page.goto(server.url + "/")
    row = page.locator(f"#experiments tr[data-experiment-id='{experiment_id}']")
    expect(row.locator("td.name")).to_have_text(name)
    row.locator("button.rename-experiment").click()
    row.locator("input.rename-input").fill("renamed " + XSS_SCRIPT)
    page.shot("renaming")
    row.locator("form.rename-form button[type=submit]").click()
    expect(row.locator("td.name a")).to_have_text("renamed " + XSS_SCRIPT)
    _, answer = call(server.url, "GET", "experiments/get", {"experiment_id": experiment_id})
    assert answer["experiment"]["name"] == "renamed " + XSS_SCRIPT
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.delete-experiment").click()
    expect(row).to_have_count(0)
    _, answer = call(server.url, "GET", "experiments/get", {"experiment_id": experiment_id})
    assert answer["experiment"]["lifecycle_stage"] == "deleted"
    deleted = page.locator("#deleted-experiments")
    deleted.locator("summary").click()
    expect(deleted.locator(f"tr[data-experiment-id='{experiment_id}']")).to_contain_text("renamed " + XSS_SCRIPT)
    page.shot("deleted-experiment")
    deleted.locator(f"tr[data-experiment-id='{experiment_id}'] button.restore-experiment").click()
    expect(page.locator(f"#experiments tr[data-experiment-id='{experiment_id}']")).to_have_count(1)
    _, answer = call(server.url, "GET", "experiments/get", {"experiment_id": experiment_id})
    assert answer["experiment"]["lifecycle_stage"] == "active"
    assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__xss") is None
    # an empty name is refused in the page, a duplicate by the server (its message shown)
    page.refusals_expected = True
    page.locator("#new-experiment-name").fill("renamed " + XSS_SCRIPT)
    page.locator("#create-experiment-form button[type=submit]").click()
    expect(page.locator("#edit-error")).to_contain_text("RESOURCE_ALREADY_EXISTS")


# -- run page: sections, filter, copy, signature ----------------------------------------------------
def test_run_page_sections_filter_copy_buttons_and_a_folded_signature(page, editing):
    server, ids = editing
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{server.url}/runs/{ids['wide']}")
    nav = page.locator("#section-nav")
    for label in ("Overview", "Metrics", "Params", "Datasets", "Tags", "Models", "Artifacts"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    page.shot("top")
    # the 30-column signature shows 8 rows until "show all"; artifacts are one click away
    signature = page.locator("table.signature-table").first
    expect(signature.locator("tbody tr:visible")).to_have_count(8)
    signature.locator("button.show-all").click()
    expect(signature.locator("tbody tr:visible")).to_have_count(30)
    signature.locator("button.show-all").click()
    expect(signature.locator("tbody tr:visible")).to_have_count(8)
    nav.get_by_role("link", name="Artifacts").click()
    expect(page.locator("#artifacts-section h2")).to_be_in_viewport()
    expect(nav).to_be_in_viewport()  # the nav stays at the top while scrolling
    expect(nav.get_by_role("link", name="Artifacts")).to_have_class("current")
    expect(page.locator("#section-nav a.current")).to_have_count(1)
    page.screenshot(path=page.shot("artifacts").replace("artifacts.png", "artifacts-viewport.png"))
    # one filter narrows params, metrics and tags
    total = page.locator("#params-table tbody tr").count()
    assert total > 5
    page.locator("#run-filter").fill("max_iter")
    expect(page.locator("#params-table tbody tr:visible")).to_have_count(1)
    expect(page.locator("#params-table tbody tr:visible td").first).to_have_text("max_iter")
    expect(page.locator("#params-section .filter-note")).to_have_text(f"1 of {total} shown (filter “max_iter”)")
    page.locator("#run-filter").fill("accuracy")
    expect(page.locator("#metrics-table tbody tr:visible")).to_have_count(1)
    expect(page.locator("#params-table tbody tr:visible")).to_have_count(0)
    page.locator("#run-filter").fill("")
    expect(page.locator("#params-table tbody tr:visible")).to_have_count(total)
    # copy buttons: run id, artifact URI, a param's value
    page.locator("#overview-section button.copy").first.click()
    expect(page.locator("#overview-section button.copy").first).to_have_class("copy done")
    assert page.evaluate("navigator.clipboard.readText()") == ids["wide"]
    uri = page.locator("#artifact-uri").inner_text()
    page.locator("#overview-section button.copy").nth(1).click()
    assert page.evaluate("navigator.clipboard.readText()") == uri
    row = page.locator("#params-table tr", has=page.locator("td", has_text="max_iter"))
    row.hover()
    row.locator("button.copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == "200"


# -- why a run failed -------------------------------------------------------------------------------
def test_a_failed_run_shows_the_exception_on_its_page_and_in_the_table(page, editing):
    server, ids = editing
    assert ids["nan_fit_caught"] == "ValueError"  # the user's exception reached the user
    page.goto(f"{server.url}/runs/{ids['nan_fit']}")
    expect(page.locator("#run-status")).to_have_text("FAILED")
    expect(page.locator("#failure-text")).to_have_text("ValueError: Input X contains NaN.")  # its first line
    message = get_run(server.url, ids["nan_fit"])["tags"]["autolog.failure.message"]
    page.locator("#failure-reason details summary").click()
    expect(page.locator("#failure-full")).to_have_text("ValueError: " + message)
    page.shot("nan-fit")
    page.goto(f"{server.url}/runs/{ids['context']}")
    expect(page.locator("#failure-text")).to_have_text("RuntimeError: diverged " + XSS)
    assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__xss") is None
    experiment = get_run(server.url, ids["nan_fit"])["info"]["experiment_id"]
    page.goto(f"{server.url}/experiments/{experiment}")
    status = page.locator(f"#runs-table tr[data-run-id='{ids['nan_fit']}'] .status")
    expect(status).to_have_attribute(
        "title", "ValueError: " + get_run(server.url, ids["nan_fit"])["tags"]["autolog.failure.message"]
    )
    status.hover()
    page.shot("table-failed")
    # a run a client ended FAILED without a reason says so
    run_id = new_run(server.url, experiment, "ended-failed")
    call(server.url, "POST", "runs/update", {"run_id": run_id, "status": "FAILED", "end_time": int(time.time() * 1000)})
    page.goto(f"{server.url}/runs/{run_id}")
    expect(page.locator("#failure-reason")).to_contain_text("no exception was recorded")


# -- times carry their zone ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "abbreviations"),
    [("Europe/Berlin", ("CET", "CEST")), ("America/New_York", ("EST", "EDT")), ("UTC", ("UTC",))],
)
def test_every_time_shown_says_its_zone(browser, editing, screenshots, zone, abbreviations):
    server, ids = editing
    run = get_run(server.url, ids["wide"])
    context = browser.new_context(timezone_id=zone)
    page = context.new_page()
    try:
        for path in ("/", f"/experiments/{run['info']['experiment_id']}", f"/runs/{ids['wide']}"):
            page.goto(server.url + path)
            times = page.locator("time")
            expect(times.first).to_have_attribute("data-local", "1")
            texts = times.all_inner_texts()
            assert texts, path
            for text in texts:
                assert text.rsplit(" ", 1)[-1] in abbreviations, (path, text)
            assert all((t.get_attribute("title") or "").endswith(" UTC") for t in times.all())
        started = page.locator("#overview-section time").first
        import datetime

        expected = datetime.datetime.fromtimestamp(
            run["info"]["start_time"] / 1000, tz=__import__("zoneinfo").ZoneInfo(zone)
        ).strftime("%Y-%m-%d %H:%M:%S")
        assert started.inner_text().startswith(expected)
        page.screenshot(path=os.path.join(screenshots, f"times-{zone.replace('/', '-')}.png"))
    finally:
        context.close()
    # without JavaScript the page still labels its times (UTC)
    with urllib.request.urlopen(f"{server.url}/runs/{ids['wide']}", timeout=20) as response:
        html = response.read().decode()
    assert " UTC</time>" in html


# -- refused: a foreign Origin, no credentials --------------------------------------------------------
@pytest.fixture
def guarded(tmp_path):
    """``autolog ui`` on an empty store that demands HTTP Basic credentials (alice)."""
    from tracking_core.server.users import add_user

    users = str(tmp_path / "users")
    add_user(users, "alice", "s3cret-pass")
    store = str(tmp_path / "autologruns")
    os.makedirs(store)
    port = free_port()
    log = open(tmp_path / "server.log", "w+")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autolog.cli",
            "ui",
            "--backend-store-uri",
            store,
            "--port",
            str(port),
            "--users-file",
            users,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            raise RuntimeError(log.read())
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)
    log.close()


def test_edits_need_credentials_and_this_origin(browser, guarded, screenshots):
    url = guarded
    auth = {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret-pass").decode()}
    run_id = new_run(url, "0", "guarded", auth)
    changes = [
        ("runs/update", {"run_id": run_id, "run_name": "hijacked"}),
        ("runs/set-tag", {"run_id": run_id, "key": "mlflow.note.content", "value": "hijacked"}),
        ("runs/delete", {"run_id": run_id}),
        ("experiments/create", {"name": "hijacked"}),
        ("experiments/update", {"experiment_id": "0", "new_name": "hijacked"}),
        ("experiments/delete", {"experiment_id": "0"}),
    ]
    for path, body in changes:
        # no credentials: refused
        status, answer = call(url, "POST", path, body)
        assert status == 401 and answer["error_code"] == "UNAUTHENTICATED", (path, answer)
        # a page on another site, even with the user's credentials: refused
        status, answer = call(url, "POST", path, body, {**auth, "Origin": "https://evil.example"})
        assert status == 403 and "evil.example" in answer["message"], (path, answer)
    run = get_run(url, run_id, auth)
    assert run["info"]["run_name"] == "guarded" and run["info"]["lifecycle_stage"] == "active"
    assert "mlflow.note.content" not in run["tags"]
    # the pages themselves need the credentials
    try:
        urllib.request.urlopen(f"{url}/runs/{run_id}", timeout=20)
        raise AssertionError("the run page was served without credentials")
    except urllib.error.HTTPError as error:
        assert error.code == 401
    # logged in, the page's own edits carry them (same origin)
    context = browser.new_context(http_credentials={"username": "alice", "password": "s3cret-pass"})
    page = context.new_page()
    try:
        page.goto(f"{url}/runs/{run_id}")
        page.locator("#rename-run").click()
        page.locator("#rename-input").fill("renamed by alice")
        page.locator("#rename-form button[type=submit]").click()
        expect(page.locator("#run-name")).to_have_text("renamed by alice")
        page.screenshot(path=os.path.join(screenshots, "guarded-run.png"), full_page=True)
    finally:
        context.close()
    assert get_run(url, run_id, auth)["info"]["run_name"] == "renamed by alice"


def test_rename_and_edit_a_tag_in_the_runs_table_in_place(page, editing):
    server, _ = editing
    experiment = new_experiment(server.url, "table-edits")
    run_id = new_run(server.url, experiment, "in-table")
    call(server.url, "POST", "runs/set-tag", {"run_id": run_id, "key": "owner", "value": "ann"})
    page.goto(f"{server.url}/experiments/{experiment}?columns=tags.owner")
    row = page.locator(f"#runs-table tr[data-run-id='{run_id}']")
    row.hover()
    row.locator("button.rename-in-table").click()
    row.locator("input.cell-input").fill("renamed " + XSS)
    row.locator("input.cell-input").press("Enter")
    expect(row.locator("td.name > a")).to_have_text("renamed " + XSS)
    assert int(page.get_attribute("#runs-table", "data-last-edit-ms")) < 300  # the target
    assert get_run(server.url, run_id)["info"]["run_name"] == "renamed " + XSS
    cell = row.locator("td").last  # the one chosen column, tags.owner
    cell.dblclick()
    row.locator("input.cell-input").fill("bob " + XSS_SCRIPT)
    row.locator("input.cell-input").press("Enter")
    expect(cell).to_have_text("bob " + XSS_SCRIPT)
    assert get_run(server.url, run_id)["tags"]["owner"] == "bob " + XSS_SCRIPT
    # Escape leaves the cell as it was, and nothing is sent
    cell.dblclick()
    row.locator("input.cell-input").fill("carol")
    row.locator("input.cell-input").press("Escape")
    expect(cell).to_have_text("bob " + XSS_SCRIPT)
    assert get_run(server.url, run_id)["tags"]["owner"] == "bob " + XSS_SCRIPT
    assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__xss") is None
    page.shot("table-edited")
    page.reload()
    expect(row.locator("td.name > a")).to_have_text("renamed " + XSS)
