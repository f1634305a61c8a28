"""Fixtures of the UI tests: a seeded store, the UI served on loopback, Chromium driven by Playwright.

The browser is Debian's Chromium (``/usr/bin/chromium``; the Makefile installs it when missing),
never Playwright's own download. Screenshots of every page a test visits go to
``$AUTOLOG_UI_SCREENSHOTS`` or ``<pytest basetemp>/ui-screenshots``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get("AUTOLOG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_command(store_dir: str, port: int) -> list[str]:
    """``autolog ui`` when the server's CLI has it, else the UI alone (tests/ui/serve.py)."""
    if os.environ.get("AUTOLOG_UI_STANDALONE") != "1" and _has_autolog_ui():
        return [sys.executable, "-m", "autolog.cli", "ui", "--backend-store-uri", store_dir, "--port", str(port)]
    return [sys.executable, os.path.join(HERE, "serve.py"), store_dir, str(port)]


def _has_autolog_ui() -> bool:
    try:
        out = subprocess.run(
            [sys.executable, "-m", "autolog.cli", "ui", "--help"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "--backend-store-uri" in out.stdout


class Server:
    def __init__(self, store_dir: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(store_dir, f"ui-server-{self.port}.log"), "w+")
        self.process = subprocess.Popen(ui_command(store_dir, self.port), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log.seek(0)
                raise RuntimeError(f"the UI server did not start:\n{self.log.read()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def seed_store(tmp_path_factory, script: str, name: str) -> tuple[str, dict]:
    """(store directory, what the script printed last as JSON) of a store the script ``script``
    (beside this file) fills, run as its own process without strict mode."""
    store_dir = str(tmp_path_factory.mktemp(name) / "autologruns")
    env = {k: v for k, v in os.environ.items() if k != "AUTOLOG_TESTING"}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, script), store_dir],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=str(tmp_path_factory.getbasetemp()),
    )
    assert out.returncode == 0, out.stderr
    return store_dir, json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """(store directory, ids of the interesting runs) of a store made by seed.py."""
    return seed_store(tmp_path_factory, "seed.py", "ui-store")


@pytest.fixture(scope="session")
def ids(seeded):
    return seeded[1]


@pytest.fixture(scope="session")
def server(seeded):
    srv = Server(seeded[0])
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory):
    store_dir = str(tmp_path_factory.mktemp("ui-empty") / "autologruns")
    os.makedirs(store_dir)
    srv = Server(store_dir)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> str:
    directory = os.environ.get("AUTOLOG_UI_SCREENSHOTS") or str(tmp_path_factory.getbasetemp() / "ui-screenshots")
    os.makedirs(directory, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, screenshots, request):
    """A fresh page; JavaScript errors on it fail the test. ``page.shot(name)`` saves a screenshot."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.blocked_scripts = []  # Chromium's reports of scripts a sandbox stopped: what we want to see

    pg.refusals_expected = False  # a test that makes the server refuse a request sets it

    def on_console(msg) -> None:
        if msg.type != "error" or "404" in msg.text:
            return
        if pg.refusals_expected and "Failed to load resource: the server responded with a status of 4" in msg.text:
            return
        (pg.blocked_scripts if "sandboxed" in msg.text else errors).append(msg.text)

    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", on_console)
    test_name = re.sub(r"\W+", "_", request.node.name)

    def shot(name: str) -> str:
        path = os.path.join(screenshots, f"{test_name}-{name}.png")
        pg.screenshot(path=path, full_page=True)
        return path

    pg.shot = shot
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
