"""The project format: an ``MLproject`` file (MLflow's projects documentation) or a bare directory.

``load_project(directory)`` reads and checks the whole file before anything runs: an unknown key,
two environments, a parameter of an unknown type or with a default its type refuses, an entry
point without a command is a ``ProjectError`` naming the file, the line and the key, and what to
do. ``EntryPoint.command_for(parameters)`` is the shell command of one run: declared parameters
substituted with ``shlex.quote`` (``float`` checked, ``path`` and ``uri`` made absolute, a ``path``
given as a URL such as ``s3://...`` downloaded first), undeclared ones appended as ``--key value``.

Without an ``MLproject`` every ``.py`` or ``.sh`` file of the directory is an entry point
(``python FILE`` / ``$SHELL FILE``), its parameters all appended; ``python_env.yaml`` or else
``conda.yaml`` next to it is its environment, as in MLflow.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any

MLPROJECT = "MLproject"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_ENV_FILE = "conda.yaml"
PARAMETER_TYPES = ("string", "float", "path", "uri")
TOP_KEYS = ("name", "python_env", "conda_env", "docker_env", "entry_points")
ENTRY_POINT_KEYS = ("parameters", "command")
PARAMETER_KEYS = ("type", "default")
DOCKER_KEYS = ("image", "volumes", "environment", "run_params")
SCRIPT_EXTENSIONS = (".py", ".sh")


class ProjectError(ValueError):
    """A project that cannot run as given; the message says where and what to do. Nothing has run."""


@dataclass
class Parameter:
    name: str
    type: str = "string"
    default: Any = None
    line: int | None = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class EntryPoint:
    name: str
    command: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    declared: bool = True  # False: a script of a directory without MLproject (or not listed in it)
    directory: str = "."
    file: str | None = None  # the MLproject declaring it
    line: int | None = None  # where it is declared there

    def _at(self, line: int | None) -> str:
        """``MLproject:LINE: `` where the fault is declared ("" for a script without MLproject)."""
        if self.file is None:
            return ""
        return f"{self.file}:{line or self.line}: " if (line or self.line) else f"{self.file}: "

    def resolve(self, given: dict[str, str], storage_dir: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
        """(declared parameters with their final values, undeclared ones) for ``given``; a
        ``ProjectError`` for a missing or bad value."""
        missing = [name for name, p in self.parameters.items() if name not in given and p.required]
        if missing:
            names = ", ".join(missing)
            example = " ".join(f"-P {name}=VALUE" for name in missing)
            raise ProjectError(
                f"{self._at(self.parameters[missing[0]].line)}entry point {self.name!r}: no value for the "
                f"required parameter(s) {names}: add {example}"
            )
        values = {}
        for position, (name, parameter) in enumerate(self.parameters.items()):
            try:
                if name in given:  # relative paths: from where the user is
                    values[name] = compute_value(parameter, given[name], storage_dir, position, os.getcwd())
                else:  # a default's relative path is the project's
                    values[name] = compute_value(parameter, parameter.default, storage_dir, position, self.directory)
            except ProjectError as exc:
                raise ProjectError(f"{self._at(parameter.line)}{exc}") from None
        extra = {key: str(value) for key, value in given.items() if key not in self.parameters}
        return values, extra

    def command_for(self, given: dict[str, str], storage_dir: str | None = None) -> tuple[str, dict[str, str]]:
        """(the shell command, every parameter's final value)."""
        values, extra = self.resolve(given, storage_dir)
        try:
            command = self.command.format(**{k: shlex.quote(v) for k, v in values.items()})
        except KeyError as exc:
            raise ProjectError(
                f"{self._at(None)}entry point {self.name!r}: its command uses {{{exc.args[0]}}}, which is not "
                f"one of its parameters ({', '.join(self.parameters) or 'none'}): declare it under parameters"
            ) from None
        except (IndexError, ValueError) as exc:
            raise ProjectError(
                f"{self._at(None)}entry point {self.name!r}: its command is not a valid template ({exc}): "
                "write parameters as {name} and a literal brace as {{ or }}"
            ) from None
        parts = [command, *(f"--{shlex.quote(k)} {shlex.quote(v)}" for k, v in extra.items())]
        return " ".join(parts), {**values, **extra}


def compute_value(parameter: Parameter, value: Any, storage_dir: str | None, position: int, base: str) -> str:
    text = _text(value)
    if parameter.type == "float":
        try:
            float(text)
        except ValueError:
            raise ProjectError(
                f"parameter {parameter.name!r} is a float, got {text!r}: give a number, e.g. -P {parameter.name}=0.5"
            ) from None
        return text
    if parameter.type == "uri":
        return text if _has_scheme(text) else os.path.abspath(os.path.join(base, text))
    if parameter.type == "path":
        if _has_scheme(text) and not text.startswith("file://"):
            return _download(parameter, text, storage_dir, position)
        local = text[len("file://") :] if text.startswith("file://") else text
        local = os.path.abspath(os.path.join(base, local))
        if not os.path.exists(local):
            raise ProjectError(
                f"parameter {parameter.name!r} is a path, and {text!r} does not exist: "
                "give an existing file or directory"
            )
        return local
    return text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _has_scheme(text: str) -> bool:
    scheme, sep, _rest = text.partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


def _download(parameter: Parameter, url: str, storage_dir: str | None, position: int) -> str:
    import tempfile

    try:
        import fsspec
    except ImportError:
        raise ProjectError(
            f"parameter {parameter.name!r}: downloading {url} needs fsspec: pip install fsspec"
        ) from None
    target_dir = os.path.join(storage_dir or tempfile.mkdtemp(prefix="autolog-project-"), f"param_{position}")
    os.makedirs(target_dir, exist_ok=True)
    target = os.path.join(target_dir, os.path.basename(url.rstrip("/")) or "download")
    try:
        fs, path = fsspec.core.url_to_fs(url)
        fs.get(path, target, recursive=fs.isdir(path))
    except Exception as exc:
        raise ProjectError(
            f"parameter {parameter.name!r}: cannot download {url}: {type(exc).__name__}: {exc}"
        ) from None
    return target


@dataclass
class Project:
    directory: str
    name: str | None = None
    env_type: str | None = None  # "python", "conda", "docker" or None
    env_file: str | None = None  # python_env.yaml / conda.yaml path
    docker_env: dict | None = None
    entry_points: dict[str, EntryPoint] = field(default_factory=dict)
    file: str | None = None  # the MLproject path, None without one

    def entry_point(self, name: str) -> EntryPoint:
        if name in self.entry_points:
            return self.entry_points[name]
        ext = os.path.splitext(name)[1]
        path = os.path.join(self.directory, name)
        if ext in SCRIPT_EXTENSIONS and os.path.isfile(path):
            program = "python" if ext == ".py" else os.environ.get("SHELL") or "bash"
            return EntryPoint(name, f"{program} {shlex.quote(name)}", declared=False, directory=self.directory)
        scripts = sorted(f for f in os.listdir(self.directory) if os.path.splitext(f)[1] in SCRIPT_EXTENSIONS)
        where = f"in {self.file}" if self.file else f"in {self.directory} (no MLproject)"
        choices = [*self.entry_points, *scripts]
        raise ProjectError(
            f"no entry point {name!r} {where}: "
            + (f"choose one of {', '.join(choices)} with -e" if choices else "add an MLproject or a .py/.sh script")
        )


def find_mlproject(directory: str) -> str | None:
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        raise ProjectError(f"no project directory {directory}: give an existing directory or a git URL") from None
    except NotADirectoryError:
        raise ProjectError(f"{directory} is a file: give the project's directory (or -e FILE for a script)") from None
    for name in names:
        if name.lower() == MLPROJECT.lower():
            return os.path.join(directory, name)
    return None


def load_project(directory: str) -> Project:
    directory = os.path.abspath(directory)
    path = find_mlproject(directory)
    if path is None:
        project = Project(directory)
        for name, kind in ((PYTHON_ENV_FILE, "python"), (CONDA_ENV_FILE, "conda")):
            if os.path.isfile(os.path.join(directory, name)):
                project.env_type, project.env_file = kind, os.path.join(directory, name)
                break
        return project
    return _Reader(directory, path).read()


class _Reader:
    """Checks an MLproject key by key, each error naming the file and the line."""

    def __init__(self, directory: str, path: str) -> None:
        self.directory = directory
        self.path = path
        self.lines: dict[tuple, int] = {}

    def error(self, where: tuple, message: str) -> ProjectError:
        line = self.lines.get(where)
        while line is None and where:
            where = where[:-1]
            line = self.lines.get(where)
        key = ".".join(str(p) for p in where)
        location = f"{self.path}:{line}" if line else self.path
        return ProjectError(f"{location}: {key + ': ' if key else ''}{message}")

    def read(self) -> Project:
        import yaml

        try:
            with open(self.path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectError(f"{self.path}: cannot read it ({exc}): make it a UTF-8 YAML file") from None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ProjectError(
                f"{self.path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc}): fix the syntax"
            ) from None
        if node is not None:
            self._index(node, ())
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.error((), "the file must be a mapping with entry_points (and name, python_env, ...)")
        for key in data:
            if key not in TOP_KEYS:
                raise self.error(
                    (key,), f"unknown key: the keys of an MLproject are {', '.join(TOP_KEYS)} (check the spelling)"
                )
        project = Project(self.directory, file=self.path)
        name = data.get("name")
        if name is not None and not isinstance(name, (str, int, float)):
            raise self.error(("name",), "the project name must be a string")
        project.name = None if name is None else str(name)
        envs = [key for key in ("python_env", "conda_env", "docker_env") if key in data]
        if len(envs) > 1:
            raise self.error(
                (envs[1],), f"a project declares one environment, this one declares {' and '.join(envs)}: keep one"
            )
        if envs:
            key = envs[0]
            value = data[key]
            if key == "docker_env":
                project.env_type, project.docker_env = "docker", self._docker(value)
            else:
                if not isinstance(value, str) or not value.strip():
                    raise self.error((key,), "give the path of the environment file, e.g. python_env.yaml")
                env_file = os.path.normpath(os.path.join(self.directory, value))
                if not os.path.isfile(env_file):
                    raise self.error((key,), f"the environment file {value} does not exist: add it or fix the path")
                project.env_type, project.env_file = ("python" if key == "python_env" else "conda"), env_file
        entry_points = data.get("entry_points")
        if entry_points is None:
            entry_points = {}
        if not isinstance(entry_points, dict):
            raise self.error(("entry_points",), "must map entry point names to {parameters, command}")
        for ep_name, body in entry_points.items():
            project.entry_points[str(ep_name)] = self._entry_point(str(ep_name), body)
        return project

    def _index(self, node: Any, where: tuple) -> None:
        """The line of every key, by its path: ("entry_points", "main", "parameters", "alpha") -> 7."""
        import yaml

        self.lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = (*where, key_node.value)
                self.lines[path] = key_node.start_mark.line + 1
                self._index(value_node, path)

    def _docker(self, value: Any) -> dict:
        where = ("docker_env",)
        if not isinstance(value, dict) or not value.get("image") or not isinstance(value.get("image"), str):
            raise self.error(where, "docker_env needs an image: write image: NAME under it")
        for key in value:
            if key not in DOCKER_KEYS:
                raise self.error((*where, key), f"unknown key: docker_env takes {', '.join(DOCKER_KEYS)}")
        volumes = value.get("volumes") or []
        if not isinstance(volumes, list) or not all(isinstance(v, str) for v in volumes):
            raise self.error((*where, "volumes"), 'must be a list of strings, e.g. ["/data:/data"]')
        environment = value.get("environment") or []
        if not isinstance(environment, list) or not all(
            isinstance(e, str) or (isinstance(e, list) and len(e) == 2 and all(isinstance(i, str) for i in e))
            for e in environment
        ):
            raise self.error(
                (*where, "environment"),
                'must be a list of names to copy from here or [NAME, VALUE] pairs, e.g. ["HOME", ["MODE", "fast"]]',
            )
        return value

    def _entry_point(self, name: str, body: Any) -> EntryPoint:
        where = ("entry_points", name)
        if isinstance(body, str):
            body = {"command": body}
        if not isinstance(body, dict):
            raise self.error(where, "an entry point is a mapping with command (and parameters)")
        for key in body:
            if key not in ENTRY_POINT_KEYS:
                raise self.error((*where, key), f"unknown key: an entry point takes {', '.join(ENTRY_POINT_KEYS)}")
        command = body.get("command")
        if not isinstance(command, str) or not command.strip():
            raise self.error(where, 'the entry point has no command: add command: "python train.py ..."')
        parameters = body.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise self.error((*where, "parameters"), "must map parameter names to a type or {type, default}")
        entry = EntryPoint(
            name, command, directory=self.directory, file=self.path, line=self.lines.get((*where, "command"))
        )
        for p_name, spec in parameters.items():
            entry.parameters[str(p_name)] = self._parameter((*where, "parameters", p_name), str(p_name), spec)
        return entry

    def _parameter(self, where: tuple, name: str, spec: Any) -> Parameter:
        types = ", ".join(PARAMETER_TYPES)
        if isinstance(spec, str):  # short syntax: name: type
            if spec not in PARAMETER_TYPES:
                raise self.error(where, f"unknown type {spec!r}: use one of {types} (or {{type: ..., default: ...}})")
            parameter = Parameter(name, spec, None, self.lines.get(where))
        elif isinstance(spec, dict):
            for key in spec:
                if key not in PARAMETER_KEYS:
                    raise self.error((*where, key), "unknown key: a parameter takes type and default")
            kind = spec.get("type", "string")
            if kind not in PARAMETER_TYPES:
                raise self.error((*where, "type"), f"unknown type {kind!r}: use one of {types}")
            default = spec.get("default")
            if isinstance(default, (dict, list)):
                raise self.error((*where, "default"), "a default is a single value (a string or a number)")
            parameter = Parameter(name, kind, default, self.lines.get(where))
            if default is not None and kind == "float":
                try:
                    float(_text(default))
                except ValueError:
                    raise self.error(
                        (*where, "default"), f"{default!r} is not a float: give a number, e.g. default: 0.5"
                    ) from None
        elif spec is None:
            parameter = Parameter(name, "string", None, self.lines.get(where))
        else:
            raise self.error(
                where, f"write {name}: TYPE or {name}: {{type: TYPE, default: VALUE}}, TYPE one of {types}"
            )
        return parameter
