"""The UI's HTTP answers that a browser test cannot see well: headers of served artifacts, refused
paths, the JSON and CSV endpoints, and the pages without JavaScript."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def artifact(server, run_id: str, path: str, extra: str = "") -> tuple[int, dict, bytes]:
    return get(f"{server.url}/runs/{run_id}/artifact?path={urllib.parse.quote(path)}{extra}")


def test_html_and_svg_artifacts_are_served_sandboxed(server, ids):
    status, headers, body = artifact(server, ids["plots"], "report.html")
    assert status == 200 and b"<h1>report</h1>" in body
    assert headers["content-type"].startswith("text/html")
    assert (
        "sandbox" in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    )
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = artifact(server, ids["plots"], "images/dot.svg")
    assert headers["content-type"] == "image/svg+xml" and "sandbox" in headers["content-security-policy"]


def test_text_like_artifacts_are_plain_text_and_unknown_ones_octet_stream(server, ids):
    _, headers, body = artifact(server, ids["xss"], "notes.md")
    assert headers["content-type"].startswith("text/plain") and b"<script>" in body
    _, headers, _ = artifact(server, ids["logreg"], "model/model.pkl")
    assert headers["content-type"] == "application/octet-stream"
    _, headers, _ = artifact(server, ids["plots"], "table.csv", "&download=1")
    assert headers["content-disposition"].startswith("attachment")


def test_paths_out_of_the_run_are_refused(server, ids):
    for path in ("../../../../etc/passwd", "/etc/passwd", "notes/../../x", "..\\..\\x"):
        status, _, body = artifact(server, ids["plots"], path)
        assert status == 400, (path, status)
        assert b"root:" not in body
    status, _, _ = get(f"{server.url}/ui-api/runs/{ids['plots']}/preview?path=" + urllib.parse.quote("../../x"))
    assert status == 400
    status, _, _ = artifact(server, ids["plots"], "no/such/file.txt")
    assert status == 404


def test_directory_downloads_as_zip(server, ids):
    import io
    import zipfile

    status, headers, body = artifact(server, ids["logreg"], "model", "&zip=1")
    assert status == 200 and headers["content-type"] == "application/zip"
    assert "MLmodel" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_pages_carry_a_script_policy_and_render_without_javascript(server, ids):
    status, headers, body = get(f"{server.url}/runs/{ids['plots']}")
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    assert b"<script>" not in body.replace(b'<script type="application/json"', b"")
    html = body.decode()
    assert "roc_curve.json" in html and "Parameters" in html  # the tree and tables are server-rendered


def test_metrics_api_sends_downsampled_series_and_explains_bad_requests(server, ids):
    status, _, body = get(f"{server.url}/ui-api/metrics?runs={ids['long']}&key=signal&points=100")
    data = json.loads(body)
    series = data["series"][0]
    assert series["total"] == 10_000 and len(series["value"]) <= 202
    assert series["step"] == sorted(series["step"]) and series["step"][0] == 0 and series["step"][-1] == 9999
    status, _, body = get(f"{server.url}/ui-api/metrics?runs={ids['long']}")
    assert status == 400 and "key=" in json.loads(body)["error"]


def test_count_api_and_csv_report_a_bad_filter(server, ids):
    experiment = ids["experiments"]["synthetic"]
    status, _, body = get(
        f"{server.url}/ui-api/experiments/{experiment}/count?filter=" + urllib.parse.quote("params.lr = '0.1'")
    )
    assert status == 200 and json.loads(body) == {"count": 1}
    status, _, body = get(f"{server.url}/experiments/{experiment}/runs.csv?filter=" + urllib.parse.quote("bogus"))
    assert status == 400 and b"bad filter" in body


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(server, ids):
    experiment = ids["experiments"]["synthetic"]
    _, _, body = get(f"{server.url}/experiments/{experiment}/runs.csv?columns=params.lr")
    assert body.decode().count("\n") == 10  # header + 9 runs
    from tracking_core.ui.columns import _safe_csv

    assert _safe_csv('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert _safe_csv("-0.5") == "-0.5" and _safe_csv(-0.5) == "-0.5"


def test_a_tampered_page_address_gets_a_message_not_an_error(server, ids):
    experiment = ids["experiments"]["synthetic"]
    status, _, body = get(f"{server.url}/experiments/{experiment}?page_token=garbage")
    assert status == 200 and b"Bad page address" in body
    status, _, body = get(f"{server.url}/experiments/{experiment}?size=abc&start=-4")
    assert status == 200 and b"runs-table" in body


def test_every_seeded_run_page_and_every_artifact_preview_answers(server, ids):
    """Each run page renders, and each artifact (walking the tree) previews or says why not."""
    run_ids = [v for k, v in ids.items() if isinstance(v, str) and k != "deleted"] + ids["curves"]
    for run_id in run_ids:
        status, _, _ = get(f"{server.url}/runs/{run_id}")
        assert status == 200, run_id
        pending = [""]
        while pending:
            path = pending.pop()
            status, _, body = get(f"{server.url}/ui-api/runs/{run_id}/artifacts?path={urllib.parse.quote(path)}")
            assert status == 200, (run_id, path)
            for entry in json.loads(body)["files"][:40]:
                if entry["is_dir"]:
                    pending.append(entry["path"])
                    continue
                status, _, body = get(
                    f"{server.url}/ui-api/runs/{run_id}/preview?path=" + urllib.parse.quote(entry["path"])
                )
                assert status == 200, (run_id, entry["path"], body[:200])


def test_static_files_are_versioned_and_cached_and_stay_in_their_folder(server):
    import re

    _, _, body = get(server.url + "/")
    css = re.search(r'href="(/ui-static/ui\.css\?v=[0-9a-f]+)"', body.decode()).group(1)
    status, headers, _ = get(server.url + css)
    assert status == 200 and "immutable" in headers["cache-control"]
    status, _, body = get(server.url + "/ui-static/vendor/uPlot.LICENSE")
    assert status == 200 and b"MIT" in body
    for path in ("/ui-static/../web.py", "/ui-static/%2e%2e/web.py", "/ui-static/..%2fweb.py"):
        status, _, body = get(server.url + path)
        assert status in (400, 404) and b"import" not in body, path


def test_run_page_lists_dataset_inputs_and_links_runs_on_the_same_data(server, ids):
    status, _, body = get(f"{server.url}/runs/{ids['logreg']}")
    page = body.decode()
    assert status == 200 and 'id="datasets-table"' in page
    section = page.split('id="datasets-section"', 1)[1].split("</section>", 1)[0]
    assert "training" in section and "sepal length (cm): double" in section
    link = section.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    status, _, body = get(server.url + link)
    assert status == 200 and ids["logreg"] in body.decode()


def test_run_page_lists_mlflow_copies_of_our_system_tags_once(server, ids):
    status, _, body = get(f"{server.url}/runs/{ids['logreg']}")
    section = body.decode().split('id="system-tags"', 1)[1].split("</details>", 1)[0]
    assert status == 200 and "autolog.user" in section and "autolog.source.name" in section
    # mlflow.user, mlflow.source.* and mlflow.autologging repeat them for MLflow's readers: not shown twice
    assert "mlflow.user" not in section and "mlflow.source" not in section and "mlflow.autologging" not in section
