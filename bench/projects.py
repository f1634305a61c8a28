"""``python -m bench.projects``: what ``autolog run URI`` costs, side by side with ``mlflow run``.

Figures (best of ``AUTOLOG_BENCH_REPEAT``, default 5, wall clock of the whole command):
- a trivial script run directly; ``autolog run DIR --env-manager local``; ``mlflow run DIR
  --env-manager local`` (MLflow from ``bench/.mlflow-venv``, env ``AUTOLOG_BENCH_MLFLOW_VENV``
  to point elsewhere; SQLite stores for both);
- a cached ``uv`` environment over ``local``;
- with ``AUTOLOG_BENCH_PROJECTS_BUILD=1``: the first build of one environment (``python_env.yaml``
  listing ``AUTOLOG_BENCH_PROJECTS_DEPS``, default ``mlflow==3.17.2``) by ``autolog run
  --env-manager uv`` and ``virtualenv`` and by ``mlflow run --env-manager virtualenv``, each from
  a cold cache (this downloads from the package index).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPEAT = int(os.environ.get("AUTOLOG_BENCH_REPEAT") or 5)


def mlflow_venv() -> str | None:
    for candidate in (
        os.environ.get("AUTOLOG_BENCH_MLFLOW_VENV"),
        os.path.join(ROOT, "bench", ".mlflow-venv"),
        "/work/main/bench/.mlflow-venv",
    ):
        if candidate and os.path.exists(os.path.join(candidate, "bin", "mlflow")):
            return candidate
    return None


def timed(command: list[str], env: dict, cwd: str, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{result.stderr[-3000:]}")
        best = min(best, elapsed)
    return best


def project(directory: str, deps: list[str] | None = None) -> str:
    os.makedirs(directory, exist_ok=True)
    env_line = "python_env: python_env.yaml\n" if deps is not None else ""
    with open(os.path.join(directory, "MLproject"), "w") as fh:
        fh.write(
            f"name: trivial\n{env_line}entry_points:\n  main:\n    parameters:\n"
            "      alpha: {type: float, default: 0.1}\n    command: python trivial.py {alpha}\n"
        )
    with open(os.path.join(directory, "trivial.py"), "w") as fh:
        fh.write("import sys\nprint('alpha', sys.argv[1])\n")
    if deps is not None:
        py = ".".join(map(str, sys.version_info[:2]))
        with open(os.path.join(directory, "python_env.yaml"), "w") as fh:
            fh.write(f"python: '{py}'\nbuild_dependencies: []\ndependencies: {deps!r}\n")
    return directory


def main() -> None:
    work = tempfile.mkdtemp(prefix="bench-projects-")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    env["AUTOLOG_TRACKING_URI"] = os.path.join(work, "store")
    env["AUTOLOG_PROJECTS_CACHE"] = os.path.join(work, "cache")
    env.pop("AUTOLOG_TESTING", None)
    rows: list[tuple[str, float]] = []
    local = project(os.path.join(work, "local"))
    direct = timed([sys.executable, "trivial.py", "0.5"], env, local)
    rows.append(("python trivial.py (directly)", direct))
    ours = timed(
        [sys.executable, "-m", "autolog", "run", local, "-P", "alpha=0.5", "--env-manager", "local"], env, work
    )
    rows.append(("autolog run DIR -P alpha=0.5 --env-manager local", ours))
    venv = mlflow_venv()
    if venv:
        mlflow_env = {**env, "MLFLOW_TRACKING_URI": "sqlite:///" + os.path.join(work, "mlflow.db")}
        mlflow_env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
        mlflow_env.pop("PYTHONPATH", None)
        subprocess.run(
            [os.path.join(venv, "bin", "mlflow"), "run", local, "--env-manager", "local"],
            env=mlflow_env,
            cwd=work,
            capture_output=True,
        )  # creates the database once
        theirs = timed(
            [os.path.join(venv, "bin", "mlflow"), "run", local, "-P", "alpha=0.5", "--env-manager", "local"],
            mlflow_env,
            work,
        )
        rows.append(("mlflow run DIR -P alpha=0.5 --env-manager local", theirs))
    cached = project(os.path.join(work, "uv"), deps=[])
    subprocess.run(
        [sys.executable, "-m", "autolog", "run", cached, "--env-manager", "uv"],
        env=env,
        cwd=work,
        capture_output=True,
        check=True,
    )  # the build
    uv_local = timed([sys.executable, "-m", "autolog", "run", cached, "--env-manager", "local"], env, work)
    uv_cached = timed([sys.executable, "-m", "autolog", "run", cached, "--env-manager", "uv"], env, work)
    rows.append(("autolog run DIR --env-manager local (same project)", uv_local))
    rows.append(("autolog run DIR --env-manager uv (cached environment)", uv_cached))
    if os.environ.get("AUTOLOG_BENCH_PROJECTS_BUILD"):
        deps = (os.environ.get("AUTOLOG_BENCH_PROJECTS_DEPS") or "mlflow==3.17.2").split(",")
        for manager in ("uv", "virtualenv"):
            build = project(os.path.join(work, f"build-{manager}"), deps=deps)
            cold = {
                **env,
                "AUTOLOG_PROJECTS_CACHE": os.path.join(work, f"cold-{manager}"),
                "UV_CACHE_DIR": os.path.join(work, f"uvcache-{manager}"),
                "PIP_NO_CACHE_DIR": "1",
            }
            rows.append(
                (
                    f"first build, autolog run --env-manager {manager} ({', '.join(deps)})",
                    timed([sys.executable, "-m", "autolog", "run", build, "--env-manager", manager], cold, work, 1),
                )
            )
        if venv:
            build = project(os.path.join(work, "build-mlflow"), deps=deps)
            cold = {**mlflow_env, "PIP_NO_CACHE_DIR": "1", "MLFLOW_ENV_ROOT": os.path.join(work, "mlflow-envs")}
            try:
                rows.append(
                    (
                        f"first build, mlflow run --env-manager virtualenv ({', '.join(deps)})",
                        timed(
                            [os.path.join(venv, "bin", "mlflow"), "run", build, "--env-manager", "virtualenv"],
                            cold,
                            work,
                            1,
                        ),
                    )
                )
            except RuntimeError as exc:
                print(f"mlflow run --env-manager virtualenv failed: {str(exc)[-600:]}")
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name.ljust(width)}  {seconds:7.3f} s")
    print(f"{'autolog run overhead over the script':<{width}}  {ours - direct:7.3f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
