"""``--env-manager docker``: the command runs in the project's ``docker_env`` image.

Without ``--build-image`` the project directory is mounted at ``/autolog/project`` (the working
directory) in the image as it is; with it, an image ``autolog-project-<name>:<hash of image and
files>`` is built ``FROM`` the project's image with the project copied in (built once per content).
The container runs ``bash -c COMMAND`` (``sh`` when the image has no bash) with ``--init`` and a
name of its own (``autolog-run-<run id>``): stopping the run removes it (``docker rm -f``), since
killing the ``docker run`` client would leave the container running. It uses the host's network
(``--network host``), so the per-run ``autolog server`` on the host's loopback is reachable at
the same ``MLFLOW_TRACKING_URI``; a local store (a directory, or a ``sqlite:///`` file's directory and
the local artifact root) is mounted at its own path so
``AUTOLOG_TRACKING_URI`` and artifact paths mean the same inside. ``docker_env.volumes`` are
added as ``-v``, ``docker_env.environment`` entries are copied from here (a name) or set (a
``[NAME, VALUE]`` pair). The docker client talks to whatever ``DOCKER_HOST`` says.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from .spec import Project, ProjectError

WORKDIR = "/autolog/project"
HANDED = (
    "AUTOLOG_RUN_ID",
    "AUTOLOG_TRACKING_URI",
    "AUTOLOG_EXPERIMENT_ID",
    "MLFLOW_RUN_ID",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_ID",
)


def docker_exe() -> str:
    exe = shutil.which("docker")
    if exe is None:
        raise ProjectError(
            "--env-manager docker needs the docker client (and a running dockerd): install docker.io, "
            "or use --env-manager local, uv or virtualenv"
        )
    return exe


def _docker(args: list[str], what: str, timeout: float | None = None) -> str:
    try:
        result = subprocess.run([docker_exe(), *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ProjectError(f"{what}: docker did not answer within {timeout:.0f} s") from None
    if result.returncode != 0:
        raise ProjectError(f"{what} failed: {(result.stderr or result.stdout).strip()[-1500:]}")
    return result.stdout.strip()


def check_daemon() -> None:
    _docker(["version", "--format", "{{.Server.Version}}"], "docker (is dockerd running? DOCKER_HOST?)", 30)


def image_for(project: Project, build_image: bool, output=None) -> str:
    assert project.docker_env is not None
    image = str(project.docker_env["image"])
    check_daemon()
    if not build_image:
        try:
            _docker(["image", "inspect", "--format", "{{.Id}}", image], f"docker image {image}", 60)
        except ProjectError:
            raise ProjectError(
                f"docker image {image} (docker_env.image of {project.file}) is not here: build or pull it first "
                "(docker pull, docker import, docker build)"
            ) from None
        return image
    digest = hashlib.sha256(image.encode())
    for root, dirs, files in os.walk(project.directory):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, project.directory).encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(hashlib.sha256(fh.read()).digest())
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in (project.name or "project").lower())
    tag = f"autolog-project-{name}:{digest.hexdigest()[:16]}"
    try:
        _docker(["image", "inspect", "--format", "{{.Id}}", tag], "inspect", 60)
        return tag
    except ProjectError:
        pass
    context = tempfile.mkdtemp(prefix="autolog-docker-build-")
    try:
        shutil.copytree(project.directory, os.path.join(context, "project"), ignore=shutil.ignore_patterns(".git"))
        with open(os.path.join(context, "Dockerfile"), "w") as fh:
            fh.write(f"FROM {image}\nCOPY project/ {WORKDIR}/\nWORKDIR {WORKDIR}\n")
        print(
            f"autolog run: building {tag} from {image} with the project copied in",
            file=output or sys.stderr,
            flush=True,
        )
        _docker(["build", "--network", "host", "-q", "-t", tag, context], f"docker build of {tag}")
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return tag


def local_store_dirs(tracking_uri: str, artifact_root: str) -> list[str]:
    """The directories a local store lives in (mounted into the container at the same paths)."""
    if "://" not in tracking_uri:
        return [tracking_uri]
    if not tracking_uri.startswith("sqlite:///"):
        return []  # a server or PostgreSQL: reached over the network
    found = [os.path.dirname(os.path.abspath(tracking_uri[len("sqlite:///") :]))]
    if artifact_root and "://" not in artifact_root:
        found.append(artifact_root)
    return found


def run_argv(
    project: Project,
    image: str,
    built: bool,
    command: str,
    env: dict[str, str],
    container: str,
    store_dirs: list[str],
) -> list[str]:
    assert project.docker_env is not None
    argv = [docker_exe(), "run", "--rm", "--init", "--name", container, "--network", "host", "-w", WORKDIR]
    if not built:
        argv += ["-v", f"{project.directory}:{WORKDIR}"]
    for store_dir in store_dirs:
        os.makedirs(store_dir, exist_ok=True)
        argv += ["-v", f"{store_dir}:{store_dir}"]
    for volume in project.docker_env.get("volumes") or []:
        argv += ["-v", volume]
    for name in HANDED:
        if name in env:
            argv += ["-e", f"{name}={env[name]}"]
    for item in project.docker_env.get("environment") or []:
        if isinstance(item, list):
            argv += ["-e", f"{item[0]}={item[1]}"]
        elif item in os.environ:
            argv += ["-e", f"{item}={os.environ[item]}"]
    for item in project.docker_env.get("run_params") or []:
        argv += [str(p) for p in (item if isinstance(item, list) else [item])]
    argv += [
        image,
        "sh",
        "-c",
        'if command -v bash >/dev/null; then exec bash -c "$0"; else exec sh -c "$0"; fi',
        command,
    ]
    return argv


def remove(container: str) -> None:
    try:
        subprocess.run([docker_exe(), "rm", "-f", container], capture_output=True, timeout=60)
    except (ProjectError, OSError, subprocess.TimeoutExpired):
        pass


def lock(image: str) -> list[str]:
    """The image's Python packages (``pip list`` inside), else just the image id."""
    lines = []
    try:
        image_id = _docker(["image", "inspect", "--format", "{{.Id}}", image], "inspect", 60)
        lines.append(f"# docker image {image} {image_id}")
        out = subprocess.run(
            [
                docker_exe(),
                "run",
                "--rm",
                "--network",
                "none",
                "--entrypoint",
                "python3",
                image,
                "-m",
                "pip",
                "list",
                "--format=freeze",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if out.returncode == 0:
            lines += out.stdout.split()
    except (ProjectError, OSError, subprocess.TimeoutExpired):
        pass
    return lines
