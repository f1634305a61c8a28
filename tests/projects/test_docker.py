"""``--env-manager docker`` against a real dockerd that these tests start (own data root, socket,
pid file; ``--bridge=none --iptables=false``) and stop by its pid, with a base image built here
from Debian packages (mmdebstrap into a tarball, cached between runs, then ``docker import``):
no registry is used. Skipped, with the reason, where dockerd cannot start (not root, not installed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from projects_support import autolog_run, only_run, write

BASE_IMAGE = "autolog-test-base:bookworm"
CACHE = os.environ.get("AUTOLOG_TEST_DOCKER_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "autolog", "test-docker"
)


def _docker(sock: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", "-H", f"unix://{sock}", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def dockerd():
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("Docker tests: they start their own dockerd, which needs root (run them as root)")
    if not shutil.which("dockerd") or not shutil.which("docker"):
        pytest.skip("Docker tests: dockerd is not installed here (Debian's docker.io package)")
    root = tempfile.mkdtemp(prefix="autolog-dockerd-", dir="/tmp")  # short: the socket path limit
    sock, pid_file = os.path.join(root, "docker.sock"), os.path.join(root, "docker.pid")
    log = open(os.path.join(root, "dockerd.log"), "w")
    daemon = subprocess.Popen(
        [
            "dockerd",
            "--data-root", os.path.join(root, "data"),
            "--exec-root", os.path.join(root, "exec"),
            "--host", f"unix://{sock}",
            "--pidfile", pid_file,
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if daemon.poll() is not None or time.monotonic() > deadline:
                with open(log.name) as fh:
                    tail = fh.read()[-1500:]
                pytest.skip(f"Docker tests: dockerd cannot start here: {tail}")
            if os.path.exists(sock) and _docker(sock, "version", timeout=10).returncode == 0:
                break
            time.sleep(0.2)
        _ensure_base_image(sock)
        yield sock
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _ensure_base_image(sock: str) -> None:
    """Debian bookworm (minbase) with python3, from Debian's packages: built once, kept as a tarball."""
    os.makedirs(CACHE, exist_ok=True)
    tarball = os.path.join(CACHE, "bookworm-python3.tar")
    if not os.path.exists(tarball):
        tool = shutil.which("mmdebstrap")
        if tool is None:
            pytest.skip("Docker tests: no base image and no mmdebstrap to build one (apt-get install mmdebstrap)")
        partial = tarball + ".partial"
        result = subprocess.run(
            [tool, "--variant=minbase", "--include=python3", "--quiet", "bookworm", partial],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if result.returncode != 0:
            pytest.skip(f"Docker tests: building the base image failed: {result.stderr[-1500:]}")
        os.replace(partial, tarball)
    result = _docker(sock, "import", tarball, BASE_IMAGE, timeout=600)
    assert result.returncode == 0, result.stderr


REPORT = """
import json, os, sys, urllib.request
print("handed", os.environ["AUTOLOG_RUN_ID"], os.environ["MLFLOW_RUN_ID"], os.environ.get("MODE"), os.getcwd())
body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": "from_container", "value": sys.argv[1]}).encode()
request = urllib.request.Request(
    os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/log-parameter",
    data=body, headers={"Content-Type": "application/json"},
)
urllib.request.urlopen(request, timeout=30).read()
print("files", sorted(os.listdir(".")), open("/data/in.txt").read())
"""


def docker_project(directory, data_dir: str) -> str:
    return write(
        directory,
        {
            "MLproject": f"""
            name: boxed
            docker_env:
              image: {BASE_IMAGE}
              volumes: ["{data_dir}:/data"]
              environment: [["MODE", "boxed"], "HOME"]
            entry_points:
              main:
                parameters: {{alpha: {{type: float, default: 0.5}}}}
                command: "python3 report.py {{alpha}}"
              sleep:
                parameters: {{marker: string}}
                command: "python3 -c 'import time; time.sleep(600)' {{marker}}"
            """,
            "report.py": REPORT,
        },
    )


@pytest.mark.parametrize("build_image", [False, True])
def test_a_docker_project_runs_in_its_image_with_the_run_handed_in(dockerd, store, tmp_path, build_image, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dockerd}")
    data = write(tmp_path / "data", {"in.txt": "mounted"})
    project = docker_project(tmp_path / "p", data)
    args = ["--build-image"] if build_image else []
    result = autolog_run(project, "-P", "alpha=0.7", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(store)
    assert f"handed {run.info.run_id} {run.info.run_id} boxed /autolog/project" in result.stdout
    assert "'report.py'" in result.stdout and "mounted" in result.stdout
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.7", "from_container": "0.7"}
    assert run.data.tags["autolog.project.env_manager"] == "docker"
    if build_image:
        assert "building autolog-project-boxed:" in result.stderr
        images = _docker(dockerd, "images", "--format", "{{.Repository}}").stdout.split()
        assert "autolog-project-boxed" in images
        again = autolog_run(project, "--build-image", cwd=tmp_path)  # same files: the same image
        assert again.returncode == 0 and "building" not in again.stderr
    assert _docker(dockerd, "ps", "-aq").stdout.strip() == ""  # every container removed


def test_a_killed_docker_run_removes_its_container_and_the_run_is_killed(dockerd, store, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dockerd}")
    project = docker_project(tmp_path / "p", str(tmp_path))
    marker = f"m{time.time_ns()}"
    env = {**os.environ}
    env.pop("AUTOLOG_TESTING", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "autolog", "run", project, "-e", "sleep", "-P", f"marker={marker}"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _docker(dockerd, "ps", "-q").stdout.strip():
        assert time.monotonic() < deadline and process.poll() is None, process.stderr and process.stderr.read()
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=90)
    assert process.returncode == 130
    assert _docker(dockerd, "ps", "-aq").stdout.strip() == ""
    assert only_run(store).info.status == "KILLED"


def test_docker_without_a_docker_env_names_the_alternatives(store, tmp_path):
    project = write(tmp_path / "p", {"MLproject": "entry_points:\n  main: {command: 'python -c pass'}\n"})
    result = autolog_run(project, "--env-manager", "docker", cwd=tmp_path)
    assert result.returncode == 2 and "--env-manager docker needs docker_env" in result.stderr
    boxed = docker_project(tmp_path / "boxed", str(tmp_path))
    result = autolog_run(boxed, "--env-manager", "uv", cwd=tmp_path)
    assert result.returncode == 2 and "declares docker_env, which --env-manager uv cannot build" in result.stderr


def test_a_local_store_is_mounted_whatever_its_form(tmp_path):
    from autolog.projects.docker import local_store_dirs

    directory = str(tmp_path / "runs")
    assert local_store_dirs(directory, os.path.join(directory, "artifacts")) == [directory]
    database = tmp_path / "db" / "mlruns.db"
    artifacts = str(tmp_path / "artifacts")
    assert local_store_dirs(f"sqlite:///{database}", artifacts) == [str(tmp_path / "db"), artifacts]
    assert local_store_dirs(f"sqlite:///{database}", "s3://bucket/runs") == [str(tmp_path / "db")]
    assert local_store_dirs("http://127.0.0.1:5000", "") == []
    assert local_store_dirs("postgresql://u@localhost/db", artifacts) == []
