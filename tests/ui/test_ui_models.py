"""The model registry in the UI: the Models page, a model's page, the run page's registered
versions, and changes made from the page (aliases, descriptions) that go through the REST API.

The seeded store (seed.py) holds "iris-classifier" (versions 1 and 2, aliases champion -> 2 and
challenger -> 1), a model whose name, description and tags are XSS payloads, and "no-versions-yet".
Tests that change things make their own model, so the others read the seed as it was written.
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

XSS = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
API = "/api/2.0/mlflow"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def call(base: str, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """One REST request, as a client sends it; (status, JSON answer)."""
    if method == "GET":
        url = f"{base}{API}/{path}?{urllib.parse.urlencode(body or {})}"
        data = None
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


def model_url(server, name: str) -> str:
    return f"{server.url}/models/{urllib.parse.quote(name, safe='')}"


def make_model(base: str, name: str, run_id: str, versions: int = 2, headers: dict | None = None) -> None:
    status, answer = call(base, "POST", "registered-models/create", {"name": name}, headers)
    assert status == 200, answer
    for _ in range(versions):
        status, answer = call(
            base,
            "POST",
            "model-versions/create",
            {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id},
            headers,
        )
        assert status == 200, answer


# -- pages over HTTP --------------------------------------------------------------------------------
def test_models_page_lists_models_with_latest_version_and_aliases(server, ids):
    status, body = get(server.url + "/models")
    page = body.decode()
    assert status == 200
    row = page.split('data-model="iris-classifier"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/models/iris-classifier#v-2">Version 2</a>' in row
    assert "@champion" in row and "@challenger" in row and "v2" in row and "v1" in row
    assert "Classifies iris flowers." in row and "botany" in row
    assert 'data-model="no-versions-yet"' in page and "no versions" in page
    # every untrusted value is escaped text
    assert "xss &lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in page
    assert XSS not in page and XSS_SCRIPT not in page
    assert "/models/xss%20%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D1%22%3E" in page


def test_models_search_by_part_of_the_name_any_case(server):
    _, body = get(server.url + "/models?q=IRIS")
    page = body.decode()
    assert 'data-model="iris-classifier"' in page and "no-versions-yet" not in page
    status, body = get(server.url + "/models?q=" + urllib.parse.quote("nothing like this"))
    assert status == 200 and 'id="no-match"' in body.decode() and "nothing like this" in body.decode()
    for odd in ("'", "\\", "%", "_", "' or name != '", XSS):
        status, body = get(server.url + "/models?q=" + urllib.parse.quote(odd))
        assert status == 200, (odd, body[:300])
        assert XSS not in body.decode()
    status, body = get(server.url + "/models?page_token=garbage")
    assert status == 200 and 'id="models-error"' in body.decode()


def test_empty_store_says_how_to_register_a_model(empty_server):
    status, body = get(empty_server.url + "/models")
    page = body.decode()
    assert status == 200 and 'id="no-models"' in page
    assert 'registered_model_name="wine"' in page and "autolog.register_model(" in page


def test_header_links_to_the_models_page(server, ids):
    for path in ("/", f"/runs/{ids['logreg']}", "/models"):
        _, body = get(server.url + path)
        assert 'href="/models" id="nav-models"' in body.decode(), path


def test_model_page_shows_versions_with_source_runs_aliases_tags_and_description(server, ids):
    status, body = get(model_url(server, "iris-classifier"))
    page = body.decode()
    assert status == 200
    assert "Classifies iris flowers.\nTrained on the iris data set." in page
    aliases = page.split('id="aliases-table"', 1)[1].split("</table>", 1)[0]
    assert '<tr data-alias="champion">' in aliases and 'href="#v-2">Version 2' in aliases
    assert "models:/iris-classifier@challenger" in aliases
    versions = page.split('id="versions-table"', 1)[1].split("</table>", 1)[0]
    two = versions.split('id="v-2"', 1)[1].split("</tr>", 1)[0]
    one = versions.split('id="v-1"', 1)[1]
    assert f'href="/runs/{ids["forest"]}"' in two and "@champion" in two and "framework" in two
    assert f'href="/runs/{ids["logreg"]}"' in one and "@challenger" in one
    assert "the logistic regression baseline" in one
    assert f'href="/runs/{ids["logreg"]}#artifacts-section">model</a>' in one  # the model's path in its run
    assert versions.index('id="v-2"') < versions.index('id="v-1"')  # newest first
    assert "<script>" not in page.replace('<script type="application/json" id="page-data">', "")


def test_model_page_escapes_a_payload_name_description_and_tags(server, ids):
    status, body = get(model_url(server, ids["models"]["xss"]))
    page = body.decode()
    assert status == 200
    assert XSS not in page and XSS_SCRIPT not in page
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in page
    data = page.split('<script type="application/json" id="page-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["name"] == ids["models"]["xss"]  # the page data is JSON with < escaped
    assert "<" not in data


def test_unknown_model_gets_a_friendly_404(server):
    status, body = get(model_url(server, "no such model"))
    assert status == 404 and b"Model not found" in body and b'href="/models"' in body
    status, body = get(model_url(server, XSS))
    assert status == 404 and XSS.encode() not in body
    status, body = get(model_url(server, "no-versions-yet"))
    assert status == 200 and b'id="no-versions"' in body
    status, body = get(model_url(server, "iris-classifier") + "?page_token=garbage")
    assert status == 400 and b"Bad page address" in body


def test_run_page_lists_the_registered_versions_of_its_models(server, ids):
    status, body = get(f"{server.url}/runs/{ids['logreg']}")
    page = body.decode()
    assert status == 200
    section = page.split('id="registered-section"', 1)[1].split("</section>", 1)[0]
    assert 'href="/models/iris-classifier#v-1"' in section and "@challenger" in section
    assert "/models/xss%20%3Cimg" in section and XSS not in section
    model = page.split('class="registered-as"', 1)[1].split("</p>", 1)[0]
    assert "iris-classifier version 1" in model
    _, body = get(f"{server.url}/runs/{ids['plots']}")
    assert b'id="registered-section"' not in body  # no version came from that run


# -- changes from the page, in Chromium ------------------------------------------------------------------
def test_set_move_and_delete_an_alias_and_edit_descriptions_in_the_browser(page, server, ids):
    name = "edit-me"
    make_model(server.url, name, ids["binary"])  # not a run the other tests read
    page.goto(model_url(server, name))
    expect(page.locator("#no-aliases")).to_be_visible()
    page.shot("model-before")
    # set an alias on version 1
    page.locator("#alias-name").fill("champion")
    page.locator("#alias-version").select_option("1")
    page.locator("#alias-form button[type=submit]").click()
    expect(page.locator("#aliases-table tr[data-alias='champion']")).to_contain_text("Version 1")
    expect(page.locator("#v-1 .aliases")).to_have_text("@champion")
    status, answer = call(server.url, "GET", "registered-models/alias", {"name": name, "alias": "champion"})
    assert status == 200 and answer["model_version"]["version"] == "1"
    # move it to version 2
    page.locator("#alias-name").fill("champion")
    page.locator("#alias-version").select_option("2")
    page.locator("#alias-form button[type=submit]").click()
    expect(page.locator("#aliases-table tr[data-alias='champion']")).to_contain_text("Version 2")
    status, answer = call(server.url, "GET", "registered-models/alias", {"name": name, "alias": "champion"})
    assert answer["model_version"]["version"] == "2"
    # the model's description, with markup that must stay text
    text = f"Wine quality.\n{XSS_SCRIPT}"
    page.locator("#description-section .edit-description").click()
    page.locator("#description-section textarea").fill(text)
    page.locator("#description-section button[type=submit]").click()
    expect(page.locator("#model-description")).to_have_text(text)
    assert page.evaluate("window.__xss") is None
    _, answer = call(server.url, "GET", "registered-models/get", {"name": name})
    assert answer["registered_model"]["description"] == text
    # a version's description
    cell = page.locator("#v-1 td.editable")
    cell.locator(".edit-description").click()
    cell.locator("textarea").fill("first try " + XSS)
    cell.locator("button[type=submit]").click()
    expect(page.locator("#v-1 td.editable .description-text")).to_have_text("first try " + XSS)
    _, answer = call(server.url, "GET", "model-versions/get", {"name": name, "version": "1"})
    assert answer["model_version"]["description"] == "first try " + XSS
    assert page.locator("img[src='x']").count() == 0
    page.shot("model-edited")
    # the server refuses an alias that looks like a version: its message is shown, nothing changes
    page.refusals_expected = True  # Chromium reports the refused request on the console
    page.locator("#alias-name").fill("v3")
    page.locator("#alias-form button[type=submit]").click()
    error = page.locator("#edit-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("reserved")
    expect(error).to_contain_text("INVALID_PARAMETER_VALUE")
    page.shot("alias-refused")
    status, _ = call(server.url, "GET", "registered-models/alias", {"name": name, "alias": "v3"})
    assert status >= 400
    # delete the alias (after confirming)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#aliases-table button.delete-alias[data-alias='champion']").click()
    expect(page.locator("#no-aliases")).to_be_visible()
    status, answer = call(server.url, "GET", "registered-models/alias", {"name": name, "alias": "champion"})
    assert status >= 400 and "champion" in answer["message"]


def test_models_pages_in_the_browser_show_text_never_markup(page, server, ids):
    visits = ["/models", model_url(server, ids["models"]["xss"])[len(server.url) :], f"/runs/{ids['logreg']}"]
    for path in visits:
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        assert XSS in page.locator("body").inner_text(), path
        assert page.locator("img[src='x']").count() == 0
        assert page.evaluate("window.__xss") is None, path
    page.goto(server.url + "/models")
    page.shot("models")
    page.locator("#model-filter").fill("iris")
    page.locator("#model-search button[type=submit]").click()
    expect(page.locator("#models-table tbody tr")).to_have_count(1)
    page.locator("#models-table a", has_text="iris-classifier").first.click()
    expect(page.locator("h1")).to_have_text("iris-classifier")
    page.shot("model-iris")
    page.goto(model_url(server, ids["models"]["xss"]))
    page.shot("model-xss")
    page.goto(f"{server.url}/runs/{ids['logreg']}")
    section = page.locator("#registered-section")
    expect(section.locator("tbody tr")).to_have_count(2)
    section.screenshot(path=page.shot("run-page").replace("run-page.png", "run-registered-versions.png"))
    section.locator("a.version-link[href='/models/iris-classifier#v-1']").click()
    expect(page.locator("#v-1")).to_be_visible()
    assert page.url.endswith("/models/iris-classifier#v-1")


def test_unknown_model_and_empty_store_in_the_browser(page, server, empty_server):
    response = page.goto(model_url(server, "no such model"))
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Model not found")
    page.locator(".error-page a").click()
    expect(page.locator("h1")).to_have_text("Registered models")
    page.goto(model_url(server, "no such model"))
    page.shot("unknown-model")
    page.goto(empty_server.url + "/")
    page.locator("#nav-models").click()
    expect(page.locator("#no-models h2")).to_have_text("No registered models yet")
    page.shot("no-models")


# -- the same requests behind --users-file ------------------------------------------------------------
@pytest.fixture
def guarded_server(tmp_path):
    """``autolog ui`` on an empty store that demands HTTP Basic credentials (alice)."""
    users = str(tmp_path / "users")
    from tracking_core.server.users import add_user

    add_user(users, "alice", "s3cret-pass")
    store = str(tmp_path / "autologruns")
    os.makedirs(store)
    port = free_port()
    auth_args = ["--users-file", users]
    log = open(tmp_path / "server.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "autolog.cli", "ui", "--backend-store-uri", store, "--port", str(port), *auth_args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(url + "/health")[0] == 200:
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


def test_changes_from_the_page_carry_the_users_credentials_and_a_foreign_origin_is_refused(
    browser, guarded_server, screenshots
):
    url = guarded_server
    auth = {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret-pass").decode()}
    status, answer = call(url, "POST", "runs/create", {"experiment_id": "0", "run_name": "guarded"}, auth)
    assert status == 200, answer
    run = answer["run"]
    make_model(url, "guarded", run["info"]["run_id"], versions=1, headers=auth)
    assert get(url + "/models/guarded")[0] == 401
    # a page on another site cannot change the registry, even with the user's credentials
    status, answer = call(
        url,
        "POST",
        "registered-models/alias",
        {"name": "guarded", "alias": "champion", "version": "1"},
        {**auth, "Origin": "https://evil.example"},
    )
    assert status == 403 and "evil.example" in answer["message"]
    # the page itself, logged in: its fetch() carries the credentials
    context = browser.new_context(http_credentials={"username": "alice", "password": "s3cret-pass"})
    page = context.new_page()
    try:
        page.goto(url + "/models/guarded")
        page.locator("#alias-name").fill("champion")
        page.locator("#alias-form button[type=submit]").click()
        expect(page.locator("#aliases-table tr[data-alias='champion']")).to_contain_text("Version 1")
        page.screenshot(path=os.path.join(screenshots, "guarded-model.png"), full_page=True)
    finally:
        context.close()
    status, answer = call(url, "GET", "registered-models/alias", {"name": "guarded", "alias": "champion"}, auth)
    assert status == 200 and answer["model_version"]["version"] == "1"
