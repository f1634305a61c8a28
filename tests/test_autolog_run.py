"""``autolog run -- python train.py ARGS``: autologging for an unmodified script, its exit code,
output and arguments passed through, its source (path, hash, git state and diff) on its runs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import tracking_core

SKLEARN_SCRIPT = textwrap.dedent("""
    import sys
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    LogisticRegression(C=float(sys.argv[1])).fit(X, y)
    print("trained with", sys.argv[1:])
""")


def autolog_run(*args: str, cwd, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    environment.pop("AUTOLOG_TESTING", None)  # the script runs as a user's would
    return subprocess.run(
        [sys.executable, "-m", "autolog", "run", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def only_run(store) -> tracking_core.Run:
    client = tracking_core.TrackingClient(str(store))
    found = []
    for experiment in ("Default", "zero-code"):
        if client.get_experiment_by_name(experiment) is not None:
            found += client.search_runs(experiment_names=[experiment], max_results=10)
    assert len(found) == 1, found
    return client.get_run(found[0].info.run_id)


def git(cwd, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_an_unmodified_script_logs_the_same_run_as_the_in_code_call(tmp_path):
    pytest.importorskip("sklearn")
    project = tmp_path / "project"
    project.mkdir()
    script = project / "train.py"
    script.write_text(SKLEARN_SCRIPT)
    git(project, "init", "-q")
    git(project, "add", "train.py")
    git(project, "commit", "-q", "-m", "first")
    commit = git(project, "rev-parse", "HEAD").strip()
    script.write_text(SKLEARN_SCRIPT + "# tuned\n")  # tracked and changed: the tree is dirty
    before = sorted(os.listdir(project))

    zero_code = autolog_run(
        "--tracking-uri",
        str(tmp_path / "zero"),
        "--experiment",
        "zero-code",
        "--no-log-models",
        "--",
        sys.executable,
        "train.py",
        "0.5",
        cwd=project,
    )
    assert zero_code.returncode == 0, zero_code.stderr
    assert "trained with ['0.5']" in zero_code.stdout
    assert sorted(os.listdir(project)) == before  # nothing written beside the script

    in_code = project.parent / "in_code.py"
    in_code.write_text("import autolog\nautolog.autolog(log_models=False)\n" + SKLEARN_SCRIPT)
    subprocess.run(
        [sys.executable, str(in_code), "0.5"],
        cwd=project,
        check=True,
        capture_output=True,
        env={**os.environ, "AUTOLOG_TRACKING_URI": str(tmp_path / "in_code")},
    )

    run, reference = only_run(tmp_path / "zero"), only_run(tmp_path / "in_code")
    assert run.data.params == reference.data.params and run.data.params["C"] == "0.5"
    assert run.data.metrics == reference.data.metrics and run.data.metrics
    assert run.data.tags["autolog.autologging"] == "sklearn"
    client = tracking_core.TrackingClient(str(tmp_path / "zero"))
    assert client.get_experiment_by_name("zero-code").experiment_id == run.info.experiment_id
    assert not any(info.path == "model" for info in client.list_artifacts(run.info.run_id))

    tags = run.data.tags
    assert tags["autolog.run.command"] == f"{sys.executable} train.py 0.5"
    assert tags["autolog.source.name"] == str(script)
    assert tags["autolog.source.sha256"] == hashlib.sha256(script.read_bytes()).hexdigest()
    assert tags["autolog.source.git.commit"] == commit
    assert tags["autolog.source.git.dirty"] == "true"
    with open(client.download_artifacts(run.info.run_id, "source/git.diff")) as fh:
        diff = fh.read()
    assert "+# tuned" in diff and "train.py" in diff


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


# A framework-free script: what these tests check is the process, not a training.
PROBE = """
    import json, os, subprocess, sys
    import autolog
    child = subprocess.run([sys.executable, "-c", "import os, sys; print(repr(os.environ.get('AUTOLOG_RUN_PAYLOAD'))"
                            " + ' ' + repr('autolog' in sys.modules))"], capture_output=True, text=True).stdout
    print(json.dumps({"argv": sys.argv, "enabled": autolog.api.config._global, "child": child.strip(),
                      "pythonpath": os.environ.get("PYTHONPATH")}))
    print("to stderr", file=sys.stderr)
    sys.exit(int(sys.argv[-1]))
"""


def test_exit_code_output_and_arguments_pass_through_and_children_are_left_alone(tmp_path):
    write(tmp_path / "probe.py", PROBE)
    result = autolog_run(
        "--silent",
        "--log-system-metrics",
        "--no-log-datasets",
        "--option",
        "max_tuning_runs=3",
        "--",
        sys.executable,
        "probe.py",
        "--flag",
        "a b",
        "3",
        cwd=tmp_path,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().endswith("to stderr")
    import json

    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["argv"] == ["probe.py", "--flag", "a b", "3"]
    assert seen["enabled"] == {"silent": True, "log_system_metrics": True, "log_datasets": False, "max_tuning_runs": 3}
    assert seen["child"] == "None False"  # processes the script starts are not autologged
    assert seen["pythonpath"] is None


def test_script_without_interpreter_and_module_form(tmp_path):
    write(tmp_path / "probe.py", PROBE)
    result = autolog_run("--", "probe.py", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"enabled": {}' in result.stdout  # autolog() was called with no option

    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "train.py", PROBE)
    result = autolog_run("--log-models", "--", sys.executable, "-m", "pkg.train", "x", "4", cwd=tmp_path)
    assert result.returncode == 4, result.stderr
    assert '"enabled": {"log_models": true}' in result.stdout
    assert str(tmp_path / "pkg" / "train.py") in result.stdout  # argv[0] as python -m sets it


def test_module_form_records_the_modules_source(tmp_path):
    pytest.importorskip("sklearn")
    write(tmp_path / "trainer" / "__init__.py", "")
    write(tmp_path / "trainer" / "fit.py", SKLEARN_SCRIPT)
    result = autolog_run(
        "--tracking-uri",
        str(tmp_path / "store"),
        "--no-log-models",
        "--",
        sys.executable,
        "-m",
        "trainer.fit",
        "2.0",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    run = only_run(tmp_path / "store")
    source = tmp_path / "trainer" / "fit.py"
    assert run.data.params["C"] == "2.0"
    assert run.data.tags["autolog.source.module"] == "trainer.fit"
    assert run.data.tags["autolog.source.name"] == str(source)
    assert run.data.tags["autolog.source.sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_an_existing_sitecustomize_still_runs(tmp_path):
    write(tmp_path / "site_dir" / "sitecustomize.py", "print('the environment sitecustomize ran')\n")
    write(tmp_path / "probe.py", PROBE)
    result = autolog_run(
        "--", sys.executable, "probe.py", "0", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site_dir")}
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "the environment sitecustomize ran"
    assert f'"pythonpath": "{tmp_path / "site_dir"}"' in lines[-1]  # the user's PYTHONPATH, ours removed


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "no command given"),
        (("--option", "log_models=3", "--", "x.py"), "log_models"),
        (("--system-metrics-interval", "0", "--", "x.py"), "system_metrics_interval"),
        (("--option", "bad name=1", "--", "x.py"), "--option"),
        (("--extra-tag", "novalue", "--", "x.py"), "--extra-tag"),
        (("--", sys.executable, "-I", "x.py"), "-I"),
    ],
)
def test_bad_input_is_refused_with_exit_code_2(plugin_state, capsys, args, message):
    from autolog.cli import main

    assert main(["run", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_command_exits_127(plugin_state, capsys):
    from autolog.cli import main

    assert main(["run", "--", "no-such-interpreter-here", "x.py"]) == 127
    assert "no-such-interpreter-here" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command, expected",
    [
        (["python", "train.py", "-m", "x"], ([], "script", "train.py")),  # the script's own -m
        (["python", "-u", "-X", "dev", "-m", "pkg.mod", "a"], (["-u", "-X", "dev"], "module", "pkg.mod")),
        (["python", "-mpkg.mod"], ([], "module", "pkg.mod")),
        (["python", "-W", "ignore", "t.py"], (["-W", "ignore"], "script", "t.py")),
        (["python"], ([], None, None)),
    ],
)
def test_the_python_command_line_is_read_as_python_reads_it(command, expected):
    from autolog.run_command import parse_python_command

    assert parse_python_command(command) == expected
