"""The project run: created before the command, handed to it, ended by its exit status; the
process group always stopped; the CLI's two forms; the Python API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from projects_support import artifact_text, autolog_run, only_run, runs, write

import tracking_core

TRAIN = """
import os, sys
import autolog
print("argv", sys.argv[1:])
with autolog.start_run() as run:  # continues the project run
    assert run.info.run_id == os.environ["AUTOLOG_RUN_ID"] == os.environ["MLFLOW_RUN_ID"]
    autolog.log_metric("score", float(sys.argv[1]) * 2)
    autolog.log_param("inside", "yes")
print("done", os.environ["AUTOLOG_EXPERIMENT_ID"], os.environ["AUTOLOG_TRACKING_URI"])
"""

MLPROJECT = """
name: demo
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      label: {type: string, default: "x"}
    command: "python train.py {alpha} {label}"
  fail:
    command: "python -c 'import sys; sys.stderr.write(\\"boom\\\\n\\" * 3); sys.exit(3)'"
  sleep:
    parameters: {marker: string}
    command: "python -c 'import time; time.sleep(600)' {marker} &
      python -c 'import time; time.sleep(600)' {marker}; wait"
"""


@pytest.fixture
def demo(tmp_path):
    return write(tmp_path / "demo", {"MLproject": MLPROJECT, "train.py": TRAIN})


def test_the_run_is_handed_to_the_command_and_records_params_source_and_lock(demo, store, tmp_path):
    result = autolog_run(demo, "-P", "alpha=0.7", "-P", "label=a b", "-P", "seed=3", "--run-name", "r1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "argv ['0.7', 'a b', '--seed', '3']" in result.stdout
    run = only_run(store)
    assert run.info.status == "FINISHED" and run.info.run_name == "r1"
    assert run.data.params == {"alpha": "0.7", "label": "a b", "seed": "3", "inside": "yes"}
    assert run.data.metrics == {"score": 1.4}
    tags = run.data.tags
    assert tags["autolog.project.entry_point"] == "main" and tags["autolog.project.name"] == "demo"
    assert tags["autolog.source.name"] == demo and tags["mlflow.source.type"] == "PROJECT"
    assert tags["autolog.project.env_manager"] == "local" and tags["autolog.project.exit_code"] == "0"
    assert f"done {run.info.experiment_id} {store}" in result.stdout
    lock = artifact_text(store, run.info.run_id, "environment/requirements.txt")
    assert any(line.lower().startswith("pyyaml==") for line in lock.splitlines())


def test_a_failing_command_ends_failed_with_its_stderr_tail(demo, store, tmp_path):
    result = autolog_run(demo, "-e", "fail", "--experiment-name", "proj", cwd=tmp_path)
    assert result.returncode == 3
    assert "boom" in result.stderr  # still reaches the terminal
    run = only_run(store)
    assert run.info.status == "FAILED" and run.data.tags["autolog.project.exit_code"] == "3"
    assert artifact_text(store, run.info.run_id, "logs/stderr-tail.txt") == "boom\n" * 3
    assert tracking_core.TrackingClient(store).get_experiment_by_name("proj").experiment_id == run.info.experiment_id


def _processes_with(marker: str, also: str = "") -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmdline = fh.read()
                if marker.encode() in cmdline and also.encode() in cmdline:
                    found.append(pid)
            except OSError:
                pass
    return found


def _wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_killed_autolog_run_leaves_no_process_and_the_run_killed(demo, store, tmp_path, signum):
    marker = f"marker-{os.getpid()}-{signum}-{time.time_ns()}"
    env = {**os.environ}
    env.pop("AUTOLOG_TESTING", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "autolog", "run", demo, "-e", "sleep", "-P", f"marker={marker}"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert _wait_until(lambda: len(_processes_with(marker, "\x00import time")) >= 2), "the command did not start"
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert _wait_until(lambda: _processes_with(marker) == [], 10), _processes_with(marker)
    run = only_run(store)
    assert run.info.status == "KILLED"


def test_the_python_api_waits_reports_and_cancels(demo, store, tmp_path, monkeypatch):
    from autolog import projects

    monkeypatch.chdir(tmp_path)
    submitted = projects.run(demo, parameters={"alpha": 1}, synchronous=False)
    assert submitted.wait() is True and submitted.get_status() == "FINISHED"
    assert tracking_core.TrackingClient(store).get_run(submitted.run_id).data.metrics == {"score": 2.0}
    marker = f"api-{time.time_ns()}"
    submitted = projects.run(demo, entry_point="sleep", parameters={"marker": marker}, synchronous=False)
    assert _wait_until(lambda: len(_processes_with(marker, "\x00import time")) >= 2)
    assert submitted.get_status() == "RUNNING"
    submitted.cancel()
    assert submitted.get_status() == "KILLED" and submitted.wait() is False
    assert _wait_until(lambda: _processes_with(marker) == [], 10)  # SIGKILL is delivered asynchronously
    assert tracking_core.TrackingClient(store).get_run(submitted.run_id).info.status == "KILLED"
    with pytest.raises(projects.ExecutionError) as err:
        projects.run(demo, entry_point="fail")
    assert err.value.submitted_run.get_status() == "FAILED"
    with pytest.raises(TypeError, match=r"pass parameters=\.\.\. by name"):
        projects.run(demo, "main", {"alpha": 1})  # the third positional argument is version, as in MLflow


def test_a_project_run_from_inside_a_project_run_is_its_child(tmp_path, store):
    step = write(tmp_path / "step", {"MLproject": "entry_points:\n  main: {command: 'python -c pass'}\n"})
    driver = write(
        tmp_path / "driver",
        {
            "driver.py": f"""
            import autolog.projects
            child = autolog.projects.run({step!r})
            print("child", child.run_id)
            """
        },
    )
    result = autolog_run(driver, "-e", "driver.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = {r.info.run_id: r for r in runs(store)}
    assert len(found) == 2
    child_id = result.stdout.split("child ")[1].split()[0]
    parent = next(r for r in found.values() if r.info.run_id != child_id)
    assert found[child_id].data.tags["autolog.parentRunId"] == parent.info.run_id
    assert parent.data.tags["autolog.project.entry_point"] == "driver.py"


def test_both_forms_are_told_apart_by_the_double_dash(demo, store, tmp_path):
    help_text = autolog_run("--help", cwd=tmp_path).stdout
    assert "autolog run --experiment demo -- python train.py" in help_text
    assert "autolog run . -e main -P alpha=0.5 --env-manager uv" in help_text
    assert "--registered-model-name NAME" in help_text and "autolog run --registered-model-name wine --" in help_text
    write(tmp_path, {"script.py": "import autolog, sys; autolog.log_param('p', 1); print('zero-code ran')\n"})
    result = autolog_run("--", sys.executable, "script.py", cwd=tmp_path)
    assert result.returncode == 0 and "zero-code ran" in result.stdout, result.stderr
    result = autolog_run("-e", "main", "--", sys.executable, "script.py", cwd=tmp_path)
    assert result.returncode == 2 and "-e belong to the project form" in result.stderr.replace("--entry-point", "-e")
    result = autolog_run("script.py", cwd=tmp_path)
    assert result.returncode == 2 and "put -- before a command" in result.stderr
    result = autolog_run(demo, "python", "x.py", cwd=tmp_path)
    assert result.returncode == 2 and "put -- before it" in result.stderr
    result = autolog_run("--registered-model-name", "wine", "--silent", demo, cwd=tmp_path)  # before the URI too
    assert result.returncode == 2 and "--silent, --registered-model-name belong to the command form" in result.stderr


@pytest.fixture
def mlflow_python():
    """The python of MLflow's venv (bench/.mlflow-venv): skipped, or failed under make test, when missing."""
    python = os.environ.get("AUTOLOG_TEST_MLFLOW_PYTHON") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", ".mlflow-venv", "bin", "python"
    )
    if not os.path.exists(python):
        message = "MLflow's venv is missing: make test builds it (bench/.mlflow-venv)"
        if os.environ.get("AUTOLOG_REQUIRE_MLFLOW") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return python


def test_mlflow_s_client_in_the_command_logs_into_the_project_run(tmp_path, store, mlflow_python):
    project = write(
        tmp_path / "mlf",
        {
            "MLproject": f"entry_points:\n  main:\n    parameters: {{alpha: float}}\n"
            f"    command: '{mlflow_python} train.py {{alpha}}'\n",
            "train.py": """
            import sys, mlflow
            with mlflow.start_run() as run:
                mlflow.log_param("alpha_seen", sys.argv[1])
                mlflow.log_metric("rmse", 0.25)
                mlflow.set_tag("via", "mlflow")
            print("mlflow run", run.info.run_id)
            """,
        },
    )
    dead_proxy = "http://127.0.0.1:9"  # set for the project's own downloads: our server's calls bypass it
    result = autolog_run(
        project,
        "-P",
        "alpha=0.3",
        cwd=tmp_path,
        env={"AUTOLOG_PROJECTS_SERVER": "1", "http_proxy": dead_proxy, "HTTP_PROXY": dead_proxy},
    )
    assert result.returncode == 0, result.stderr
    run = only_run(store)
    assert f"mlflow run {run.info.run_id}" in result.stdout
    assert run.data.params["alpha_seen"] == "0.3" and run.data.params["alpha"] == "0.3"
    assert run.data.metrics == {"rmse": 0.25} and run.data.tags["via"] == "mlflow"
    assert run.info.status == "FINISHED"
    assert _processes_with(store) == []  # the server is stopped


def test_an_mlflow_project_s_registered_model_lands_in_the_registry_through_the_per_run_server(
    tmp_path, store, mlflow_python
):
    """What MLflow's example projects do (sklearn_elasticnet_wine): log_model with
    registered_model_name, which needs the registry and MLflow 3's logged-model endpoints."""
    project = write(
        tmp_path / "wine",
        {
            "MLproject": f"entry_points:\n  main:\n    parameters: {{alpha: float}}\n"
            f"    command: '{mlflow_python} train.py {{alpha}}'\n",
            "train.py": """
            import sys, mlflow, mlflow.sklearn
            from sklearn.linear_model import ElasticNet
            X, y = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]], [0.0, 1.0, 2.0, 3.0]
            with mlflow.start_run():
                lr = ElasticNet(alpha=float(sys.argv[1]), random_state=42).fit(X, y)
                mlflow.log_param("alpha", float(sys.argv[1]))
                mlflow.log_metric("rmse", 0.5)
                # pip_requirements: skips MLflow's inference of them (a subprocess, 4 s; client side only)
                mlflow.sklearn.log_model(
                    lr, "model", registered_model_name="ElasticnetWineModel", pip_requirements=["scikit-learn"]
                )
            """,
        },
    )
    result = autolog_run(project, "-P", "alpha=0.5", cwd=tmp_path, env={"AUTOLOG_PROJECTS_SERVER": "1"})
    assert result.returncode == 0, result.stderr
    run = only_run(store)
    assert run.info.status == "FINISHED" and run.data.params["alpha"] == "0.5" and run.data.metrics == {"rmse": 0.5}
    client = tracking_core.TrackingClient(store)
    version = client.get_model_version("ElasticnetWineModel", 1)
    assert version.run_id == run.info.run_id and version.status == "READY" and version.model_id
    model_dir = client.get_model_version_download_uri("ElasticnetWineModel", 1)
    model_dir = model_dir.removeprefix("file://")
    assert {"MLmodel", "requirements.txt"} <= set(os.listdir(model_dir)), model_dir
    assert _processes_with(store) == []  # the server is stopped


def test_under_local_without_mlflow_an_mlflow_project_says_which_env_managers_install_it(tmp_path, store):
    pytest.importorskip("pytest")
    try:
        import mlflow  # noqa: F401

        pytest.skip("mlflow is installed here")
    except ImportError:
        pass
    project = write(tmp_path / "m", {"train.py": "import mlflow\n"})
    result = autolog_run(project, "-e", "train.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "use --env-manager uv or virtualenv" in result.stderr
    assert only_run(store).info.status == "FAILED"


def test_a_sigkilled_autolog_run_takes_a_simple_command_with_it_and_the_run_reads_killed(tmp_path, store):
    marker = f"sigkill-{time.time_ns()}"
    project = write(
        tmp_path / "k",
        {"MLproject": f"entry_points:\n  main: {{command: \"python -c 'import time; time.sleep(600)' {marker}\"}}\n"},
    )
    env = {**os.environ}
    env.pop("AUTOLOG_TESTING", None)
    process = subprocess.Popen([sys.executable, "-m", "autolog", "run", project], cwd=tmp_path, env=env)
    assert _wait_until(lambda: _processes_with(marker, "\x00import time") != [])
    process.kill()  # no handler runs: the command's shell gets SIGTERM from the kernel (parent-death signal)
    process.wait()
    assert _wait_until(lambda: _processes_with(marker) == [], 10), _processes_with(marker)
    assert only_run(store).info.status == "KILLED"  # its owner is gone (liveness)


def test_autolog_projects_is_reachable_after_a_plain_import_autolog():
    code = "import autolog, sys; print(autolog.projects.run.__module__, 'autolog.projects' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["autolog.projects.runner", "True"]
    out = subprocess.run(
        [sys.executable, "-c", "import autolog, sys; print('autolog.projects' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "False"  # not imported until asked for


def test_experiment_by_id_no_capture_and_bad_options(demo, store, tmp_path):
    experiment_id = tracking_core.set_experiment("by-id").experiment_id
    result = autolog_run(demo, "-e", "fail", "--experiment-id", experiment_id, "--no-capture", cwd=tmp_path)
    assert result.returncode == 3 and "boom" in result.stderr
    run = only_run(store)
    assert run.info.experiment_id == experiment_id and run.info.status == "FAILED"
    assert [f.path for f in tracking_core.TrackingClient(store).list_artifacts(run.info.run_id)] == ["environment"]
    for args, message in [
        (["-P", "alpha"], "-P 'alpha': write KEY=VALUE"),
        (["--experiment-id", "12345"], "no experiment with id 12345"),
        (["--experiment-name", "a", "--experiment-id", experiment_id], "not both"),
        (["--experiment", "x"], "--experiment belong to the command form"),
        (["--registered-model-name", "wine"], "--registered-model-name belong to the command form"),
        (["--no-log-models", "--extra-tag", "a=b"], "--no-log-models, --extra-tag belong to the command form"),
    ]:
        result = autolog_run(demo, *args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert len(runs(store)) == 1


def test_an_asynchronous_run_ends_with_its_command_without_a_wait(demo, store, tmp_path, monkeypatch):
    from autolog import projects

    monkeypatch.chdir(tmp_path)
    submitted = projects.run(demo, entry_point="fail", synchronous=False)
    client = tracking_core.TrackingClient(store)
    assert _wait_until(lambda: client.get_run(submitted.run_id).info.status == "FAILED", 60)
    assert submitted.get_status() == "FAILED" and submitted.returncode == 3


def test_ctrl_c_right_after_the_command_started_still_stops_it(demo, store, tmp_path, monkeypatch):
    from autolog import projects
    from autolog.projects import runner

    started = []

    def interrupted(self, process):  # Ctrl-C lands between the start and the SubmittedRun
        started.append(process)
        _wait_until(lambda: len(_processes_with(marker, "\x00import time")) >= 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner._StderrTail, "__init__", interrupted)
    monkeypatch.chdir(tmp_path)
    marker = f"window-{time.time_ns()}"
    with pytest.raises(KeyboardInterrupt):
        projects.run(demo, entry_point="sleep", parameters={"marker": marker}, synchronous=False)
    assert started and started[0].poll() is not None
    assert _wait_until(lambda: _processes_with(marker) == [], 10)
    assert only_run(store).info.status == "KILLED"


TWO_FITS = """
import autolog, numpy as np
from sklearn.linear_model import LogisticRegression
autolog.autolog()
X = np.random.default_rng(0).random((60, 3)); y = (X[:, 0] > .5).astype(int)
LogisticRegression(C=1.0).fit(X, y)
LogisticRegression(C=1.0, max_iter=300).fit(X, y)
"""


def test_two_autologged_fits_in_a_project_run_keep_both_models(tmp_path, store):
    project = write(tmp_path / "fits", {"train.py": TWO_FITS})
    result = autolog_run(project, "-e", "train.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run(store)  # both fits logged into the project run, as MLflow's MLFLOW_RUN_ID makes them
    names = {info.path for info in tracking_core.TrackingClient(store).list_artifacts(run.info.run_id)}
    assert {"model", "model-2"} <= names, names  # the second model beside the first, not lost
    assert "FileExistsError" not in result.stderr
