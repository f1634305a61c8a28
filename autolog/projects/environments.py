"""The environment a project's command runs in: ``local``, ``uv``, ``virtualenv``, ``conda``, ``docker``.

``uv`` and ``virtualenv`` build a virtual environment from ``python_env.yaml`` (``python``,
``build_dependencies``, ``dependencies``) or from the ``pip`` part and the Python version of a
``conda.yaml``. The environment is cached under ``<cache>/envs/<manager>-<hash>``, the hash being
that of the exact spec (manager, Python found, every dependency line in order), so a changed
dependency gets a new environment (MLflow's cache keeps a stale one: mlflow/mlflow#10525), and
one spec is built once: into a temporary directory renamed into place when complete, under a lock.
Package indexes are whatever pip and uv are configured with (``PIP_*``/``UV_*`` variables, pip.conf),
so an offline machine points them at a wheel directory. A Python version that is not installed
is an error naming the ones that are: we never build a Python.

The lock (every distribution installed, ``name==version``) is written next to the environment
when it is built and recorded with each run as ``environment/requirements.txt``.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from .sources import cache_root
from .spec import Project, ProjectError

ENV_MANAGERS = ("local", "virtualenv", "uv", "conda", "docker")
COMPLETE_MARK = ".autolog-env-complete"
LOCK_FILE = ".autolog-requirements.txt"


@dataclass
class Environment:
    manager: str
    prefix: str | None = None  # the venv/conda prefix; None for local
    bin_dir: str | None = None  # put first on PATH
    python: str = sys.executable
    built: bool = False  # built by this run (not from the cache)
    env_vars: dict[str, str] = field(default_factory=dict)
    image: str | None = None  # docker: the image the command runs in
    image_built: bool = False  # docker: built with the project copied in (--build-image)

    def lock(self) -> list[str]:
        if self.image is not None:
            from .docker import lock

            return lock(self.image)
        if self.prefix is None:
            return installed_distributions(None)
        path = os.path.join(self.prefix, LOCK_FILE)
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().splitlines()
        except OSError:
            return installed_distributions(self.prefix)

    def has(self, distribution: str) -> bool:
        wanted = _canonical(distribution)
        return any(_canonical(line.split("==")[0]) == wanted for line in self.lock())


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions(prefix: str | None) -> list[str]:
    """``name==version`` of every distribution installed in the environment (``prefix``; None: the
    one running here), read from the names of its ``*.dist-info``/``*.egg-info`` directories: a
    directory listing, where parsing every METADATA file costs a second on a large environment."""
    if prefix is None:
        paths = [p or os.getcwd() for p in sys.path]
    else:
        paths = glob.glob(os.path.join(prefix, "lib", "python*", "site-packages")) + glob.glob(
            os.path.join(prefix, "Lib", "site-packages")
        )
    found: dict[str, str] = {}
    for path in paths:
        try:
            names = os.listdir(path)
        except OSError:
            continue
        for entry in names:
            stem, ext = os.path.splitext(entry)
            if ext not in (".dist-info", ".egg-info") or "-" not in stem:
                continue
            name, _, version = stem.partition("-")
            version = version.split("-")[0]  # egg-info: name-version-pyX.Y
            key = _canonical(name)
            if key not in found:  # the first on the path is the one imported
                found[key] = f"{name}=={version}"
    return sorted(found.values(), key=str.lower)


# -- the spec ---------------------------------------------------------------------------------------
@dataclass
class PythonSpec:
    python: str | None
    build_dependencies: list[str]
    dependencies: list[str]
    source: str
    conda_only: list[str] = field(default_factory=list)  # conda.yaml packages pip cannot be asked for


def _read_yaml(path: str) -> object:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"{path}: cannot read it ({exc}): fix the file") from None


def python_spec(project: Project) -> PythonSpec:
    if project.env_file is None:
        return PythonSpec(None, [], [], "(none: the project declares no environment)")
    data = _read_yaml(project.env_file)
    if project.env_type == "python":
        if not isinstance(data, dict):
            raise ProjectError(f"{project.env_file}: must be a mapping with python, build_dependencies, dependencies")
        unknown = set(data) - {"python", "build_dependencies", "dependencies"}
        if unknown:
            raise ProjectError(
                f"{project.env_file}: unknown key(s) {', '.join(sorted(unknown))}: "
                "python_env.yaml takes python, build_dependencies, dependencies"
            )
        lists = {}
        for key in ("build_dependencies", "dependencies"):
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
                raise ProjectError(f"{project.env_file}: {key} must be a list of requirement strings")
            lists[key] = [str(v) for v in value]
        python = data.get("python")
        return PythonSpec(
            None if python is None else str(python),
            lists["build_dependencies"],
            lists["dependencies"],
            project.env_file,
        )
    # conda.yaml: the python=X.Y dependency and the pip list
    if not isinstance(data, dict):
        raise ProjectError(f"{project.env_file}: must be a conda environment mapping with dependencies")
    python = None
    pip: list[str] = []
    conda_only: list[str] = []
    for item in data.get("dependencies") or []:
        if isinstance(item, str):
            match = re.match(r"^python\s*(?:[=<>!~]=?\s*)?([0-9][0-9.*]*)", item)
            if match:
                python = match.group(1).rstrip(".*")
            elif not re.match(r"^(python|pip)\b", item):
                conda_only.append(item)
        elif isinstance(item, dict) and "pip" in item:
            pip += [str(v) for v in item["pip"] or []]
    return PythonSpec(python, [], pip, project.env_file, conda_only)


# -- finding a Python -----------------------------------------------------------------------------
def available_pythons() -> dict[str, str]:
    """version -> interpreter, for the Pythons installed here: the current one, ``python3.X`` on
    ``PATH``, and those pyenv has built (``$PYENV_ROOT/versions``)."""
    found: dict[str, str] = {}
    candidates = [sys.executable, getattr(sys, "_base_executable", None)]
    for minor in range(6, 20):
        candidates.append(shutil.which(f"python3.{minor}"))
    candidates += [shutil.which("python3"), shutil.which("python")]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3")))  # built already
    seen: set[str] = set()
    for exe in candidates:
        if not exe or exe in seen or not os.path.exists(exe):
            continue
        seen.add(exe)
        if exe == sys.executable:
            version = ".".join(map(str, sys.version_info[:3]))
        else:
            try:
                out = subprocess.run(
                    [exe, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                    capture_output=True,
                    text=True,
                    timeout=20,
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
            version = out.stdout.strip()
        if version and version not in found:
            found[version] = exe
    return found


def find_python(wanted: str | None, source: str) -> tuple[str, str]:
    """(interpreter, its version) for ``wanted`` ("3.11", "3.11.7", None for the current one)."""
    current = ".".join(map(str, sys.version_info[:3]))
    if not wanted or current == wanted or current.startswith(wanted + "."):
        return sys.executable, current
    pythons = available_pythons()
    for version, exe in pythons.items():
        if version == wanted or version.startswith(wanted + "."):
            return exe, version
    names = ", ".join(f"{v} ({e})" for v, e in pythons.items())
    raise ProjectError(
        f"{source} asks for Python {wanted}, which is not installed here (installed: {names}): "
        "install that Python, or change the python version in the file (autolog does not build Pythons)"
    )


# -- building -------------------------------------------------------------------------------------
def prepare(project: Project, manager: str, output=None, build_image: bool = False) -> Environment:
    if manager not in ENV_MANAGERS:
        raise ProjectError(f"unknown --env-manager {manager!r}: use one of {', '.join(ENV_MANAGERS)}")
    if manager == "local":
        return Environment("local", bin_dir=os.path.dirname(sys.executable))
    if manager == "docker":
        if project.env_type != "docker":
            raise ProjectError(
                "--env-manager docker needs docker_env (image: ...) in the MLproject: add it, "
                "or use --env-manager local, uv or virtualenv"
            )
        from .docker import image_for

        return Environment("docker", image=image_for(project, build_image, output), image_built=build_image)
    if project.env_type == "docker":
        raise ProjectError(
            f"the project declares docker_env, which --env-manager {manager} cannot build: "
            "use --env-manager local (with the packages installed here)"
        )
    if manager == "conda":
        return _conda(project, output)
    spec = python_spec(project)
    if spec.conda_only:
        _log(
            output,
            f"autolog run: {spec.source}: {manager} installs only its pip part; not installed: "
            f"{', '.join(spec.conda_only)} (conda packages: use --env-manager conda, or list them under pip)",
        )
    python, version = find_python(spec.python, spec.source)
    key = json.dumps(
        {
            "manager": manager,
            "python": version,
            "build": spec.build_dependencies,
            "deps": spec.dependencies,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    envs = os.path.join(cache_root(), "envs")
    os.makedirs(envs, exist_ok=True)
    prefix = os.path.join(envs, f"{manager}-{digest}")
    environment = Environment(manager, prefix, os.path.join(prefix, "bin"), os.path.join(prefix, "bin", "python"))
    environment.env_vars = {"VIRTUAL_ENV": prefix}
    if os.path.exists(os.path.join(prefix, COMPLETE_MARK)):
        return environment
    import fcntl

    with open(prefix + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(prefix, COMPLETE_MARK)):
            return environment
        shutil.rmtree(prefix, ignore_errors=True)
        # Built in place (a venv's scripts hold its absolute path), marked complete only at the end.
        _log(output, f"autolog run: creating a {manager} environment (Python {version}) in {prefix}")
        try:
            if manager == "uv":
                _build_uv(prefix, python, spec)
            else:
                _build_virtualenv(prefix, python, spec)
            with open(os.path.join(prefix, LOCK_FILE), "w", encoding="utf-8") as fh:
                fh.write("\n".join(installed_distributions(prefix)) + "\n")
            with open(os.path.join(prefix, COMPLETE_MARK), "w", encoding="utf-8") as fh:
                fh.write(key + "\n")
        except BaseException:
            shutil.rmtree(prefix, ignore_errors=True)
            raise
    environment.built = True
    return environment


def _log(output, message: str) -> None:
    print(message, file=output or sys.stderr, flush=True)


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise ProjectError(f"{what} failed (exit {result.returncode}):\n{tail}")


def _uv() -> str:
    exe = shutil.which("uv")
    if exe:
        return exe
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        raise ProjectError(
            "--env-manager uv needs uv: pip install uv (or 'autolog[projects]'), or use --env-manager virtualenv"
        ) from None


def _build_uv(prefix: str, python: str, spec: PythonSpec) -> None:
    uv = _uv()
    _run([uv, "venv", "--quiet", "--python", python, prefix], "uv venv")  # no pip inside: uv installs
    py = os.path.join(prefix, "bin", "python")
    for deps, what in ((spec.build_dependencies, "build dependencies"), (spec.dependencies, "dependencies")):
        if deps:
            _run(
                [uv, "pip", "install", "--quiet", "--python", py, *deps],
                f"uv pip install of the {what} of {spec.source}",
            )


def _build_virtualenv(prefix: str, python: str, spec: PythonSpec) -> None:
    try:
        import virtualenv  # noqa: F401

        _run([sys.executable, "-m", "virtualenv", "--quiet", "--python", python, prefix], "virtualenv")
    except (ImportError, ProjectError):  # no virtualenv, or one too new for that Python (3.8: no seed wheels)
        shutil.rmtree(prefix, ignore_errors=True)
        _run([python, "-m", "venv", prefix], "python -m venv")
    py = os.path.join(prefix, "bin", "python")
    for deps, what in ((spec.build_dependencies, "build dependencies"), (spec.dependencies, "dependencies")):
        if deps:
            _run(
                [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *deps],
                f"pip install of the {what} of {spec.source}",
            )


def _conda(project: Project, output) -> Environment:
    exe = next((shutil.which(n) for n in ("micromamba", "mamba", "conda") if shutil.which(n)), None)
    if exe is None:
        raise ProjectError(
            "--env-manager conda needs conda, mamba or micromamba, and none is on PATH: "
            "use --env-manager uv or virtualenv (they build the pip part and Python version of conda.yaml), or local"
        )
    if project.env_file is None:
        raise ProjectError(
            "--env-manager conda: the project has no conda.yaml: use --env-manager local, uv or virtualenv"
        )
    with open(project.env_file, "rb") as fh:
        digest = hashlib.sha256(os.path.basename(exe).encode() + fh.read()).hexdigest()[:20]
    prefix = os.path.join(cache_root(), "envs", f"conda-{digest}")
    environment = Environment("conda", prefix, os.path.join(prefix, "bin"), os.path.join(prefix, "bin", "python"))
    environment.env_vars = {"CONDA_PREFIX": prefix}
    if os.path.exists(os.path.join(prefix, COMPLETE_MARK)):
        return environment
    _log(output, f"autolog run: creating a conda environment with {exe} in {prefix}")
    if project.env_type != "conda":
        raise ProjectError("--env-manager conda needs a conda.yaml (conda_env): use --env-manager uv or virtualenv")
    shutil.rmtree(prefix, ignore_errors=True)
    verb = ["create", "--yes", "--prefix", prefix, "--file", project.env_file]
    command = (
        [exe, *verb] if "micromamba" in exe else [exe, "env", "create", "--prefix", prefix, "--file", project.env_file]
    )
    _run(command, f"{os.path.basename(exe)} environment creation")
    with open(os.path.join(prefix, LOCK_FILE), "w", encoding="utf-8") as fh:
        fh.write("\n".join(installed_distributions(prefix)) + "\n")
    with open(os.path.join(prefix, COMPLETE_MARK), "w", encoding="utf-8") as fh:
        fh.write(project.env_file + "\n")
    environment.built = True
    return environment


def default_manager(project: Project) -> str:
    """The one the project declares, as in MLflow: python_env -> virtualenv, conda_env -> conda,
    docker_env -> docker, none -> local."""
    return {"python": "virtualenv", "conda": "conda", "docker": "docker"}.get(project.env_type or "", "local")
