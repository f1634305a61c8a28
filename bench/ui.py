"""UI benchmarks of issue 11 (not tests): ``python -m bench.ui [--runs N] [--steps N] [--store DIR]``.

Builds (or reuses, with ``--store``) a local store holding one experiment of ``--runs`` runs
(10 params, 10 metrics, an integration tag each), 10 runs with one metric of ``--steps`` steps,
and a run with 1,000 artifacts; serves the UI on loopback and times, in Debian's Chromium, what a
person waits for:

1. the runs page of the big experiment until its rows show (target 1 s), then a sort change and a
   filter change until the new rows show (target 300 ms each);
2. a chart of the 10 long runs until drawn, the first time (no series cached on the server) and
   again, and the bytes of metric data sent (targets 1 s, 500 KB);
3. the run page with 1,000 artifacts until its artifact tree shows (target 500 ms);
4. a rename and a tag edit in the runs table until the cell shows them (issue 24, target 300 ms).
5. a bar chart of one metric (one value a run) over 1,000 runs until drawn (target 500 ms).

Each figure is the median of five page loads after one warm-up, read from the browser's own
clock: first contentful paint for pages (their rows are in the HTML), the moment the charts are
drawn (``data-drawn-ms``) for the chart page, both counted from the start of navigation. The load
average is printed too: on a busy machine every figure grows with it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class LocalContext:
    def __init__(self, tracking_uri: str):
        from tracking_core import uri
        from tracking_core.storage.sql_store import get_store

        resolved = uri.resolve(tracking_uri)
        self.tracking_uri = resolved.tracking_uri
        self.store = get_store(resolved.database_url)

    def artifact_repository(self, run_info):
        from tracking_core.storage.artifacts import repository_for

        return repository_for(run_info.artifact_uri)


def populate(store_dir: str, runs: int, steps: int) -> dict:
    """Write the bench store straight through ``SqlStore.write`` (fast), return what to open."""
    from tracking_core import uri
    from tracking_core.batch import NewRun, WriteBatch
    from tracking_core.storage.artifacts import repository_for
    from tracking_core.storage.sql_store import get_store

    resolved = uri.resolve(store_dir)
    store = get_store(resolved.database_url)
    rng = random.Random(11)
    t0 = 1_700_000_000_000

    def new_run(experiment, index: int, name: str) -> NewRun:
        run_id = os.urandom(16).hex()
        return NewRun(
            run_id,
            experiment.experiment_id,
            name,
            t0 + index * 1000,
            f"{experiment.artifact_location}/{run_id}/artifacts",
        )

    big = store.get_or_create_experiment("many-runs", resolved.artifact_root)
    for start in range(0, runs, 2000):
        batch = WriteBatch()
        for index in range(start, min(start + 2000, runs)):
            run = new_run(big, index, f"run-{index}")
            batch.new_runs.append(run)
            for p in range(10):
                batch.params[(run.run_id, f"param_{p}")] = str(rng.choice((0.1, 0.01, 0.001, 1, 10)) * (p + 1))
            batch.tags[(run.run_id, "autolog.autologging")] = rng.choice(("sklearn", "xgboost", "lightgbm"))
            for m in range(10):
                batch.metrics.append((run.run_id, f"metric_{m}", rng.random(), run.start_time + 500, 0))
            batch.run_ends[run.run_id] = ("FINISHED", run.start_time + rng.randrange(1000, 100_000))
        store.write(batch)

    charts = store.get_or_create_experiment("long-histories", resolved.artifact_root)
    chart_runs = []
    for index in range(10):
        run = new_run(charts, index, f"long-{index}")
        store.write(WriteBatch(new_runs=[run]))
        for start in range(0, steps, 50_000):
            store.write(
                WriteBatch(
                    metrics=[
                        (run.run_id, "loss", 1.0 / (1 + s * 0.001) + 0.01 * rng.random(), run.start_time + s * 10, s)
                        for s in range(start, min(start + 50_000, steps))
                    ]
                )
            )
        store.write(WriteBatch(run_ends={run.run_id: ("FINISHED", run.start_time + steps * 10)}))
        chart_runs.append(run.run_id)

    files = new_run(charts, 99, "thousand-artifacts")
    store.write(WriteBatch(new_runs=[files], run_ends={files.run_id: ("FINISHED", files.start_time + 10)}))
    repository = repository_for(files.artifact_uri)
    for i in range(1000):
        repository.write_bytes(
            f"file_{i:04d}.txt" if i % 10 else f"dir_{i // 100}/file_{i:04d}.json", b'{"value": %d}' % i
        )
    info = {"experiment": big.experiment_id, "chart_runs": chart_runs, "artifact_run": files.run_id}
    with open(os.path.join(store_dir, "bench-ui.json"), "w") as fh:
        json.dump(info, fh)
    return info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(store_dir: str, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette

    from tracking_core.ui import routes

    uvicorn.run(Starlette(routes=routes(LocalContext(store_dir))), host="127.0.0.1", port=port, log_level="warning")


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def measure(url: str, info: dict, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {}
    experiment = f"{url}/experiments/{info['experiment']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def paint() -> float:
            """First contentful paint of the page now shown, in s since its navigation started
            (the rows are in the server's HTML, so this is when they first show)."""
            for _ in range(500):  # the paint entry can arrive a moment after the page shows
                found = page.evaluate(
                    "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
                )
                if found is not None:
                    return found / 1000
                page.wait_for_timeout(10)
            raise RuntimeError("no first-contentful-paint entry")

        def timed_goto(target: str, ready: str) -> float:
            page.goto(target, wait_until="commit")
            page.wait_for_selector(ready, state="visible")
            return paint()

        def timed_click(selector: str, ready: str) -> float:
            with page.expect_navigation(wait_until="commit"):
                page.click(selector)
            page.wait_for_selector(ready, state="visible")
            return paint()

        def drawn(target: str) -> float:
            page.goto(target, wait_until="commit")
            page.wait_for_selector("#charts[data-drawn-ms]", state="attached")
            return int(page.get_attribute("#charts", "data-drawn-ms")) / 1000

        rows = "#runs-table tbody tr"
        timed_goto(experiment, rows)
        results["runs page first rows (ms)"] = median_ms([timed_goto(experiment, rows) for _ in range(5)])
        results["server time for the page (ms)"] = page.inner_text("nav.paging .small")
        results["rows shown / total"] = page.inner_text("nav.paging span")
        sorts = []
        for _ in range(5):
            page.goto(experiment)
            sorts.append(timed_click("th[data-col='metrics.metric_3'] a.sort", rows))
        results["sort by a metric (ms)"] = median_ms(sorts)
        filters = []
        for i in range(5):
            page.goto(experiment)
            page.fill("#filter", f"metrics.metric_1 > 0.{5 + i} and params.param_0 = '0.1'")
            filters.append(timed_click("#search-form button[type=submit]", rows))
        results["filter change (ms)"] = median_ms(filters)
        results["filtered count"] = page.inner_text("#run-count")

        chart_url = f"{url}/charts?runs={','.join(info['chart_runs'])}&metrics=loss"
        sizes: list[int] = []

        def on_response(response) -> None:
            if "/ui-api/metrics" in response.url:
                sizes.append(int(response.headers.get("content-length") or len(response.body())))

        page.on("response", on_response)
        cold = []
        for i in range(5):  # another width each time: other buckets, nothing cached on the server
            page.set_viewport_size({"width": 1300 + 7 * i, "height": 1000})
            cold.append(drawn(chart_url))
        results["chart of 10 runs drawn, first view (ms)"] = median_ms(cold)
        results["chart of 10 runs drawn, again (ms)"] = median_ms([drawn(chart_url) for _ in range(5)])
        results["metric data sent (KB, gzip)"] = round(sizes[-1] / 1024, 1)
        results["points drawn / total"] = (
            page.get_attribute("#charts .chart", "data-points")
            + " / "
            + page.get_attribute("#charts .chart", "data-total")
        )
        page.remove_listener("response", on_response)

        results.update(bar_chart_of_1000_runs(page, url, info))

        run_url = f"{url}/runs/{info['artifact_run']}"
        timed_goto(run_url, "#artifact-tree li")
        results["run page with 1,000 artifacts (ms)"] = median_ms(
            [timed_goto(run_url, "#artifact-tree li") for _ in range(5)]
        )
        browser.close()
    return results


def measure_edits(store_dir: str, info: dict, chromium: str) -> dict:
    """Issue 24: a rename and a tag edit made in the runs table, from Enter until the cell shows the
    change (the REST call to ``autolog ui``, the full server, then the cell updated in place; the
    page's own clock, ``data-last-edit-ms``). Target 300 ms each."""
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "autolog.cli", "ui", "--backend-store-uri", store_dir, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/experiments/{info['experiment']}?columns=tags.autolog.autologging")
            row = page.locator("#runs-table tbody tr").first
            renames, tags = [], []
            for i in range(6):
                row.hover()
                row.locator("button.rename-in-table").click()
                row.locator("input.cell-input").fill(f"renamed-{i}")
                row.locator("input.cell-input").press("Enter")
                expect(row.locator("td.name > a")).to_have_text(f"renamed-{i}")
                renames.append(int(page.get_attribute("#runs-table", "data-last-edit-ms")) / 1000)
                cell = row.locator("td").last
                cell.dblclick()
                row.locator("input.cell-input").fill(f"edited-{i}")
                row.locator("input.cell-input").press("Enter")
                expect(cell).to_have_text(f"edited-{i}")
                tags.append(int(page.get_attribute("#runs-table", "data-last-edit-ms")) / 1000)
            results["rename in the table, shown (ms)"] = median_ms(renames[1:])
            results["tag edit in the table, shown (ms)"] = median_ms(tags[1:])
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    return results


def bar_chart_of_1000_runs(page, url: str, info: dict) -> dict:
    """A metric with one value a run, over 1,000 runs of the big experiment, until its bars are drawn
    (target 500 ms from the start of navigation; median of five after a warm-up)."""
    target = f"{url}/charts?experiments={info['experiment']}&metrics=metric_0"

    def drawn() -> float:
        page.goto(target, wait_until="commit")
        page.wait_for_selector("#charts[data-drawn-ms] .bar-chart .bar-row", state="attached")
        return int(page.get_attribute("#charts", "data-drawn-ms")) / 1000

    drawn()
    return {
        "bar chart of 1,000 runs drawn (ms)": median_ms([drawn() for _ in range(5)]),
        "bars drawn": page.locator("#charts .bar-chart .bar-row").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--store", default=None, help="reuse (or create) the bench store here")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    store_dir = args.store or os.path.join(tempfile.mkdtemp(prefix="autolog-bench-ui-"), "autologruns")
    info_file = os.path.join(store_dir, "bench-ui.json")
    if os.path.exists(info_file):
        with open(info_file) as fh:
            info = json.load(fh)
        print(f"reusing {store_dir}")
    else:
        started = time.perf_counter()
        info = populate(store_dir, args.runs, args.steps)
        print(
            f"store with {args.runs:,} runs and 10 x {args.steps:,} steps written in "
            f"{time.perf_counter() - started:.1f} s: {store_dir}"
        )
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", f"from bench.ui import serve; serve({store_dir!r}, {port})"])
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        print(f"  load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for name, value in measure(url, info, args.chromium).items():
            print(f"  {name:40} {value}")
        for name, value in measure_edits(store_dir, info, args.chromium).items():
            print(f"  {name:40} {value}")
        print(f"  load average after: {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
