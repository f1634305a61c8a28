"""Projects from git: file:// and plain paths, a git daemon (git://) and git http-backend (http://)
on loopback started here, ``--version`` as a branch, a tag and a commit, ``#subdir``."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from projects_support import autolog_run, git, only_run, runs, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SCRIPT = "import sys; print('version', open('VERSION').read().strip(), sys.argv[1:])\n"


@pytest.fixture
def repo(tmp_path):
    """main: v1, tag t1 -> v1, branch dev: v2, main then v3; the project in sub/proj."""
    directory = tmp_path / "repo"
    directory.mkdir()
    git(directory, "init", "-q")
    proj = "sub/proj"
    write(directory, {f"{proj}/VERSION": "v1", f"{proj}/main.py": SCRIPT, "README": "x"})
    git(directory, "add", ".")
    git(directory, "commit", "-qm", "v1")
    git(directory, "tag", "t1")
    first = git(directory, "rev-parse", "HEAD")
    git(directory, "checkout", "-qb", "dev")
    write(directory, {f"{proj}/VERSION": "v2"})
    git(directory, "commit", "-qam", "v2")
    git(directory, "checkout", "-q", "main")
    write(directory, {f"{proj}/VERSION": "v3"})
    git(directory, "commit", "-qam", "v3")
    return str(directory), first


def _version(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.split("version ")[1].split()[0]


def test_file_urls_and_plain_paths_at_a_branch_a_tag_and_a_commit(repo, store, tmp_path):
    directory, first = repo
    url = "file://" + directory
    assert _version(autolog_run(f"{url}#sub/proj", "-e", "main.py", "-P", "a=1", cwd=tmp_path)) == "v3"
    assert _version(autolog_run(f"{url}#sub/proj", "-e", "main.py", "--version", "dev", cwd=tmp_path)) == "v2"
    assert _version(autolog_run(f"{directory}#sub/proj", "-e", "main.py", "--version", "t1", cwd=tmp_path)) == "v1"
    assert _version(autolog_run(f"{directory}#sub/proj", "-e", "main.py", "--version", first, cwd=tmp_path)) == "v1"
    recorded = {r.data.tags.get("autolog.project.version"): r for r in runs(store)}
    assert recorded[first].data.tags["autolog.source.git.commit"] == first
    assert recorded["t1"].data.tags["autolog.source.git.commit"] == first
    assert recorded[None].data.tags["autolog.source.name"] == f"{url}#sub/proj"
    assert recorded[None].data.tags["autolog.source.git.dirty"] == "false"
    assert recorded["dev"].data.tags["autolog.project.subdirectory"] == "sub/proj"
    rerun = recorded["dev"].data.tags["autolog.project.rerun"]
    dev = git(directory, "rev-parse", "dev")
    words = shlex.split(rerun)
    assert words == ["autolog", "run", f"{url}#sub/proj", "--version", dev, "-e", "main.py", "--env-manager", "local"]
    assert _version(autolog_run(*words[2:], cwd=tmp_path)) == "v2"  # the line runs it again
    # checkouts are removed after the run; the mirror stays for the next one
    checkouts = os.path.join(os.environ["AUTOLOG_PROJECTS_CACHE"], "checkouts")
    assert os.listdir(checkouts) == []


def test_a_new_commit_is_fetched_on_the_next_run(repo, store, tmp_path):
    directory, _ = repo
    url = "file://" + directory + "#sub/proj"
    assert _version(autolog_run(url, "-e", "main.py", cwd=tmp_path)) == "v3"
    write(directory, {"sub/proj/VERSION": "v4"})
    git(directory, "commit", "-qam", "v4")
    assert _version(autolog_run(url, "-e", "main.py", cwd=tmp_path)) == "v4"


def test_bad_versions_and_subdirectories_are_refused_before_any_run(repo, store, tmp_path):
    directory, _ = repo
    result = autolog_run("file://" + directory, "--version", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert "--version nope: no such branch, tag or commit" in result.stderr and "dev, main, t1" in result.stderr
    result = autolog_run("file://" + directory + "#nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "has no directory nowhere" in result.stderr
    result = autolog_run("file://" + directory + "#../x", cwd=tmp_path)
    assert result.returncode == 2 and "without .." in result.stderr
    result = autolog_run("file://" + str(tmp_path / "none"), cwd=tmp_path)
    assert result.returncode == 2 and "cannot clone" in result.stderr
    plain = write(tmp_path / "plain", {"main.py": ""})
    result = autolog_run(plain, "--version", "main", cwd=tmp_path)
    assert result.returncode == 2 and "is not a git repository" in result.stderr
    assert not os.path.exists(store) or runs(store) == []


def test_a_local_work_tree_records_its_commit_dirty_flag_and_diff(repo, store, tmp_path):
    directory, _ = repo
    write(directory, {"sub/proj/VERSION": "dirty"})
    result = autolog_run(os.path.join(directory, "sub", "proj"), "-e", "main.py", cwd=tmp_path)
    assert _version(result) == "dirty"
    run = only_run(store)
    assert run.data.tags["autolog.source.git.dirty"] == "true"
    import tracking_core

    path = tracking_core.TrackingClient(store).download_artifacts(run.info.run_id, "source/git.diff")
    assert "+dirty" in open(path).read()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_git_daemon_url(repo, store, tmp_path):
    directory, _ = repo
    port = _free_port()
    pid_file = str(tmp_path / "daemon.pid")
    daemon = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={os.path.dirname(directory)}",
            f"--pid-file={pid_file}",
            os.path.dirname(directory),
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        url = f"git://127.0.0.1:{port}/repo#sub/proj"
        assert _version(autolog_run(url, "-e", "main.py", "--version", "dev", cwd=tmp_path)) == "v2"
        assert only_run(store).data.tags["autolog.source.git.repo_url"] == f"git://127.0.0.1:{port}/repo"
    finally:
        daemon.terminate()
        daemon.wait(10)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _http_backend(root: str):
    """git http-backend (CGI) behind a WSGI server: git's smart HTTP protocol."""

    def app(environ, start_response):
        env = {
            "GIT_PROJECT_ROOT": root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": environ.get("PATH_INFO", ""),
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "CONTENT_LENGTH": environ.get("CONTENT_LENGTH", "") or "0",
            "REMOTE_ADDR": "127.0.0.1",
            "PATH": os.environ.get("PATH", ""),
        }
        if environ.get("HTTP_GIT_PROTOCOL"):
            env["GIT_PROTOCOL"] = environ["HTTP_GIT_PROTOCOL"]
        length = int(env["CONTENT_LENGTH"] or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        headers = [tuple(h.split(": ", 1)) for h in head.decode().split("\r\n") if ": " in h]
        status = next((v for k, v in headers if k.lower() == "status"), "200 OK")
        start_response(status, [(k, v) for k, v in headers if k.lower() != "status"])
        return [payload]

    return app


def test_an_http_url_through_git_http_backend(repo, store, tmp_path):
    directory, first = repo
    server = make_server("127.0.0.1", 0, _http_backend(os.path.dirname(directory)), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/repo#sub/proj"
        assert _version(autolog_run(url, "-e", "main.py", "--version", "t1", cwd=tmp_path)) == "v1"
        assert only_run(store).data.tags["autolog.source.git.commit"] == first
    finally:
        server.shutdown()


def test_the_ui_shows_entry_point_source_commit_and_the_run_again_line(repo, store, tmp_path):
    pytest.importorskip("starlette")
    import html
    import urllib.request

    from autolog.projects.runner import ServerProcess

    directory, first = repo
    url = "file://" + directory + "#sub/proj"
    result = autolog_run(url, "-e", "main.py", "--version", "t1", "-P", "x=<b>", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(store)
    from tracking_core import uri

    server = ServerProcess(uri.resolve(store))
    try:
        with urllib.request.urlopen(f"{server.url}/runs/{run.info.run_id}", timeout=30) as response:
            page = response.read().decode()
    finally:
        server.stop()
    assert 'id="project-entry-point">main.py<' in page
    assert f'id="project-commit">{first}<' in page
    shown = page.split('id="project-rerun"><code>')[1].split("</code>")[0]
    assert shlex.split(html.unescape(shown)) == [
        *("autolog", "run", url, "--version", first, "-e", "main.py", "-P", "x=<b>", "--env-manager", "local")
    ]
    assert "<b>" not in shown  # escaped


def test_a_clean_local_work_tree_is_rerun_at_its_commit(repo, store, tmp_path):
    directory, _ = repo
    project = os.path.join(directory, "sub", "proj")
    assert _version(autolog_run(project, "-e", "main.py", cwd=tmp_path)) == "v3"
    head = git(directory, "rev-parse", "HEAD")
    words = shlex.split(only_run(store).data.tags["autolog.project.rerun"])
    assert words[:5] == ["autolog", "run", f"{directory}#sub/proj", "--version", head]
    write(directory, {"sub/proj/VERSION": "v4"})
    git(directory, "commit", "-qam", "v4")
    assert _version(autolog_run(*words[2:], cwd=tmp_path)) == "v3"  # the recorded commit, not today's tree
    write(directory, {"sub/proj/VERSION": "v5 (uncommitted)"})
    autolog_run(project, "-e", "main.py", cwd=tmp_path)
    dirty = [r for r in runs(store) if r.data.tags.get("autolog.source.git.dirty") == "true"]
    assert shlex.split(dirty[0].data.tags["autolog.project.rerun"])[2] == project  # no commit holds that tree
