"""Environments: uv and virtualenv from python_env.yaml or conda.yaml's pip part, built offline
from the test's wheels, cached by the exact spec (a changed dependency gets a new environment);
a Python that is not installed and a missing conda are clear errors, before any run."""

from __future__ import annotations

import os
import sys
import time

import pytest
from projects_support import artifact_text, autolog_run, only_run, runs, write

PY = ".".join(map(str, sys.version_info[:2]))
SCRIPT = "import sys, tinydep; print('tinydep', tinydep.__version__, sys.prefix)\n"


def env_project(directory, dependency: str, manager_file: str = "python_env") -> str:
    if manager_file == "python_env":
        files = {
            "MLproject": "name: envs\npython_env: python_env.yaml\nentry_points:\n  main: {command: python main.py}\n",
            "python_env.yaml": f"python: '{PY}'\nbuild_dependencies: []\ndependencies:\n  - {dependency}\n",
        }
    else:
        files = {
            "MLproject": "name: envs\nconda_env: conda.yaml\nentry_points:\n  main: {command: python main.py}\n",
            "conda.yaml": f"name: x\nchannels: [conda-forge]\ndependencies:\n  - python={PY}\n  - pip\n"
            f"  - pip:\n    - {dependency}\n",
        }
    return write(directory, {**files, "main.py": SCRIPT})


def _built(result) -> bool:
    return "creating a" in result.stderr


@pytest.mark.parametrize("manager", ["uv", "virtualenv"])
def test_an_environment_is_built_once_per_spec_and_a_changed_dependency_gets_a_new_one(manager, store, tmp_path):
    project = env_project(tmp_path / "p", "tinydep==1.0")
    first = autolog_run(project, "--env-manager", manager, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "tinydep 1.0" in first.stdout
    prefix = first.stdout.split("tinydep 1.0 ")[1].split()[0]
    assert prefix.startswith(os.path.join(os.environ["AUTOLOG_PROJECTS_CACHE"], "envs", manager + "-"))
    again = autolog_run(project, "--env-manager", manager, cwd=tmp_path)
    assert again.returncode == 0 and not _built(again) and f"tinydep 1.0 {prefix}" in again.stdout
    env_project(tmp_path / "p", "tinydep==2.0")  # the dependency changes: a new environment
    changed = autolog_run(project, "--env-manager", manager, cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "tinydep 2.0" in changed.stdout and prefix not in changed.stdout
    recorded = sorted(runs(store), key=lambda r: r.info.start_time)
    locks = [artifact_text(store, r.info.run_id, "environment/requirements.txt") for r in recorded]
    assert "tinydep==1.0" in locks[0].splitlines() and "tinydep==2.0" in locks[2].splitlines()
    assert {r.data.tags["autolog.project.env_manager"] for r in recorded} == {manager}


def test_the_pip_part_of_conda_yaml_under_uv(store, tmp_path):
    project = env_project(tmp_path / "c", "tinydep==2.0", "conda")
    result = autolog_run(project, "--env-manager", "uv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tinydep 2.0" in result.stdout
    assert "not installed" not in result.stderr


def test_conda_packages_outside_the_pip_part_are_named_when_uv_skips_them(store, tmp_path):
    project = env_project(tmp_path / "c", "tinydep==2.0", "conda")
    conda_yaml = os.path.join(project, "conda.yaml")
    with open(conda_yaml) as fh:
        text = fh.read()
    with open(conda_yaml, "w") as fh:
        fh.write(text.replace("  - pip\n", "  - pip\n  - cudatoolkit=11.8\n  - r-base\n"))
    result = autolog_run(project, "--env-manager", "uv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # the same (cached) environment: the pip part is unchanged
    assert "uv installs only its pip part; not installed: cudatoolkit=11.8, r-base" in result.stderr


def test_a_python_that_is_not_installed_names_those_that_are(store, tmp_path):
    project = write(
        tmp_path / "p",
        {"python_env.yaml": "python: '3.4.1'\ndependencies: []\n", "main.py": "print('ran')\n"},
    )
    result = autolog_run(project, "-e", "main.py", "--env-manager", "uv", cwd=tmp_path)
    assert result.returncode == 2
    assert "asks for Python 3.4.1, which is not installed here (installed: " in result.stderr
    assert ".".join(map(str, sys.version_info[:3])) in result.stderr and "ran" not in result.stdout
    assert not os.path.exists(store) or runs(store) == []


def test_conda_without_an_executable_names_the_alternatives(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin")
    import shutil

    if any(shutil.which(n) for n in ("conda", "mamba", "micromamba")):
        pytest.skip("a conda executable is installed here")
    project = env_project(tmp_path / "c", "tinydep==1.0", "conda")
    result = autolog_run(project, cwd=tmp_path)  # conda_env: conda by default, as in MLflow
    assert result.returncode == 2
    assert "needs conda, mamba or micromamba, and none is on PATH: use --env-manager uv or virtualenv" in result.stderr
    assert not os.path.exists(store) or runs(store) == []


def test_the_default_manager_is_the_project_s_and_local_runs_here(store, tmp_path):
    project = env_project(tmp_path / "p", "tinydep==1.0")
    result = autolog_run(project, "--env-manager", "local", cwd=tmp_path)
    assert result.returncode == 1 and "No module named 'tinydep'" in result.stderr
    run = only_run(store)
    assert run.info.status == "FAILED" and run.data.tags["autolog.project.env_manager"] == "local"


def test_a_cached_environment_costs_little_over_local(store, tmp_path):
    project = env_project(tmp_path / "p", "tinydep==1.0")
    write(tmp_path / "p", {"plain.py": "print('plain')\n"})
    assert autolog_run(project, "--env-manager", "uv", cwd=tmp_path).returncode == 0  # built (or cached)

    def timed(*args):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            assert autolog_run(project, *args, cwd=tmp_path).returncode == 0
            best = min(best, time.perf_counter() - start)
        return best

    local = timed("-e", "plain.py", "--env-manager", "local")
    cached = timed("-e", "plain.py", "--env-manager", "uv")
    print(f"local {local:.3f}s, cached uv {cached:.3f}s")
    assert cached - local < 1.0  # the target is 0.5 s; leave room for a loaded test machine


def test_a_project_importing_autolog_in_an_environment_without_it_is_told_what_to_list(store, tmp_path):
    project = env_project(tmp_path / "p", "tinydep==1.0")
    write(tmp_path / "p", {"uses_autolog.py": "import autolog\nautolog.autolog()\n"})
    result = autolog_run(project, "-e", "uses_autolog.py", "--env-manager", "uv", cwd=tmp_path)
    assert result.returncode == 1
    assert "No module named 'autolog'" in result.stderr
    assert "list autolog (and the plugins the project uses" in result.stderr
    assert "--env-manager local" in result.stderr
