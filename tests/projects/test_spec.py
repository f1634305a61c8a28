"""The MLproject format: typed parameters, substitution, projects without MLproject, and every
malformed project refused with the file, the line or key, and what to do -- before any run exists."""

from __future__ import annotations

import os
import shlex

import pytest
from projects_support import autolog_run, runs, write

from autolog.projects.spec import ProjectError, load_project

GOOD = """
name: demo
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      l1: float
      data: {type: path, default: data.csv}
      where: {type: uri, default: out}
      title: {type: string, default: "a b; rm -rf /"}
    command: "python train.py {alpha} {l1} {data} {where} {title}"
  other:
    command: "python other.py"
"""


def project(tmp_path, mlproject: str, **files: str) -> str:
    return write(tmp_path, {"MLproject": mlproject, "python_env.yaml": "python: '3'\n", **files})


def test_parameters_are_typed_defaulted_quoted_and_made_absolute(tmp_path, monkeypatch):
    directory = project(tmp_path, GOOD, **{"data.csv": "x\n"})
    spec = load_project(directory)
    assert spec.name == "demo" and spec.env_type == "python" and set(spec.entry_points) == {"main", "other"}
    monkeypatch.chdir(tmp_path)
    command, values = spec.entry_point("main").command_for({"l1": "0.1", "extra key": "x y"})
    assert values["alpha"] == "0.5" and values["l1"] == "0.1"
    assert values["data"] == os.path.join(directory, "data.csv")  # a default path is the project's
    assert values["where"] == os.path.join(directory, "out")
    assert shlex.split(command) == [
        "python",
        "train.py",
        "0.5",
        "0.1",
        values["data"],
        values["where"],
        "a b; rm -rf /",  # one argument: quoted, never run
        "--extra key",
        "x y",
    ]
    _, values = spec.entry_point("main").command_for({"l1": "2", "where": "s3://bucket/x", "data": "data.csv"})
    assert values["where"] == "s3://bucket/x" and values["data"] == os.path.join(str(tmp_path), "data.csv")


@pytest.mark.parametrize(
    "given, message",
    [
        ({}, "MLproject:7: entry point 'main': no value for the required parameter(s) l1: add -P l1=VALUE"),
        ({"l1": "fast"}, "MLproject:7: parameter 'l1' is a float, got 'fast': give a number"),
        ({"l1": "1", "data": "nowhere.csv"}, "MLproject:8: parameter 'data' is a path, and 'nowhere.csv' does not"),
    ],
)
def test_bad_parameter_values_are_refused_naming_the_line_that_declares_them(tmp_path, given, message):
    spec = load_project(project(tmp_path, GOOD, **{"data.csv": "x\n"}))
    with pytest.raises(ProjectError) as err:
        spec.entry_point("main").command_for(given)
    assert str(err.value).startswith(str(tmp_path)) and message in str(err.value)


def test_a_command_using_an_undeclared_placeholder_names_the_command_s_line(tmp_path):
    spec = load_project(project(tmp_path, GOOD.replace("{title}", "{titel}")))
    with pytest.raises(ProjectError) as err:
        spec.entry_point("main").command_for({"l1": "1", "data": os.path.join(str(tmp_path), "MLproject")})
    assert "MLproject:11: entry point 'main': its command uses {titel}" in str(err.value)


def test_a_path_given_as_a_url_is_downloaded_first(tmp_path):
    pytest.importorskip("fsspec")
    source = write(tmp_path / "remote", {"in.csv": "a,b\n1,2\n"})
    spec = load_project(
        project(tmp_path / "p", "entry_points:\n  main:\n    parameters: {data: path}\n    command: cat {data}\n")
    )
    _, values = spec.entry_point("main").command_for(
        {"data": "file://" + os.path.join(source, "in.csv")}, str(tmp_path / "dl")
    )
    assert values["data"] == os.path.join(source, "in.csv")  # file:// is local: used in place
    import fsspec

    with fsspec.open("memory://bucket/in.csv", "w") as fh:
        fh.write("a,b\n3,4\n")
    _, values = spec.entry_point("main").command_for({"data": "memory://bucket/in.csv"}, str(tmp_path / "dl"))
    assert values["data"] == str(tmp_path / "dl" / "param_0" / "in.csv")
    assert open(values["data"]).read() == "a,b\n3,4\n"
    with pytest.raises(ProjectError, match=r"parameter 'data': cannot download memory://bucket/none\.csv"):
        spec.entry_point("main").command_for({"data": "memory://bucket/none.csv"}, str(tmp_path / "dl"))


def test_without_mlproject_any_script_is_an_entry_point_and_parameters_are_appended(tmp_path):
    directory = write(tmp_path, {"train.py": "", "run.sh": "", "conda.yaml": "dependencies: [python=3.11]\n"})
    spec = load_project(directory)
    assert spec.file is None and spec.env_type == "conda"
    command, _ = spec.entry_point("train.py").command_for({"alpha": "0.5"})
    assert command == "python train.py --alpha 0.5"
    assert spec.entry_point("run.sh").command.endswith(" run.sh")
    with pytest.raises(
        ProjectError, match=r"no entry point 'main' in .* \(no MLproject\): choose one of run.sh, train.py"
    ):
        spec.entry_point("main")


# Each malformed MLproject: (file text, the line named, what the message says).
MALFORMED = {
    "unknown key": (
        "name: x\nentrypoints:\n  main: {command: a}\n",
        2,
        "entrypoints: unknown key: the keys of an MLproject are name, python_env, conda_env, docker_env, entry_points",
    ),
    "conda and docker": (
        "conda_env: conda.yaml\ndocker_env: {image: x}\nentry_points: {}\n",
        2,
        "docker_env: a project declares one environment, this one declares conda_env and docker_env: keep one",
    ),
    "bad float default": (
        "entry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: fast}\n    command: x\n",
        4,
        "entry_points.main.parameters.alpha.default: 'fast' is not a float: give a number",
    ),
    "unknown parameter type": (
        "entry_points:\n  main:\n    parameters:\n      alpha: int\n    command: x {alpha}\n",
        4,
        "entry_points.main.parameters.alpha: unknown type 'int': use one of string, float, path, uri",
    ),
    "entry point without command": (
        "entry_points:\n  main:\n    parameters: {a: string}\n",
        2,
        "entry_points.main: the entry point has no command",
    ),
    "unknown entry point key": (
        "entry_points:\n  main:\n    comand: x\n",
        3,
        "entry_points.main.comand: unknown key: an entry point takes parameters, command",
    ),
    "unknown parameter key": (
        "entry_points:\n  main:\n    parameters:\n      a: {type: string, defualt: 1}\n    command: x\n",
        4,
        "entry_points.main.parameters.a.defualt: unknown key: a parameter takes type and default",
    ),
    "missing environment file": (
        "python_env: nope.yaml\nentry_points: {}\n",
        1,
        "python_env: the environment file nope.yaml does not exist",
    ),
    "docker without image": ("docker_env: {volumes: []}\n", 1, "docker_env: docker_env needs an image"),
    "not yaml": ("entry_points:\n  main: {command: [x\n", 3, "not valid YAML"),
    "not a mapping": ("- a\n- b\n", 1, "the file must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_mlproject_names_file_line_key_and_remedy(tmp_path, case):
    text, line, message = MALFORMED[case]
    directory = write(tmp_path, {"MLproject": text, "conda.yaml": "dependencies: []\n"})
    with pytest.raises(ProjectError) as err:
        load_project(directory)
    assert f"{os.path.join(directory, 'MLproject')}:{line}: " in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "mlproject, args, message",
    [
        (MALFORMED["unknown key"][0], [], "entrypoints: unknown key"),
        (MALFORMED["conda and docker"][0], [], "keep one"),
        (MALFORMED["bad float default"][0], [], "is not a float"),
        ("entry_points:\n  main: {command: 'python -c pass'}\n", ["-e", "nope"], "no entry point 'nope' in"),
        ("entry_points:\n  main: {parameters: {n: float}, command: 'python -c pass'}\n", [], "-P n=VALUE"),
        ("entry_points:\n  main: {parameters: {n: float}, command: 'python -c pass'}\n", ["-P", "n=x"], "is a float"),
        ("entry_points:\n  main: {command: 'echo {nope}'}\n", [], "its command uses {nope}"),
    ],
)
def test_the_cli_refuses_a_bad_project_with_exit_2_and_creates_no_run(tmp_path, store, mlproject, args, message):
    directory = write(tmp_path / "p", {"MLproject": mlproject, "marker.py": ""})
    result = autolog_run(directory, *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert not os.path.exists(store) or runs(store) == []
