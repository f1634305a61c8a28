"""``make bench``: autolog's own costs, measured in one run (benchmarks, not tests).

1. ``import autolog`` time over a bare interpreter start (and that it imports no ML framework);
2. ``autolog.autolog()`` time, with sklearn already imported;
3. ``log_metric`` cost per call; 4. time to persist 100,000 metric points (log + flush);
5. the framework's own overhead per patched call logging 10 params and 5 metrics (a toy
   framework, so only autolog's cost is measured);
6. per-fit overhead on every installed framework's workload (plain vs autolog, with and without models);
7. a one-fit script's wall time, process start to exit, without and with autolog (``bench.one_fit``);
8. a simulation loop of small statsmodels GEE fits, per fit, without and with autolog (``bench.fit_loop``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.environment import ROOT, bench_env

HEAVY_MODULES = (
    "sklearn",
    "xgboost",
    "lightgbm",
    "tensorflow",
    "torch",
    "lightning",
    "statsmodels",
    "pandas",
    "numpy",
    "sqlalchemy",
)


# Start-up is measured as users see it, with bytecode caches (pip writes them at install; an
# editable install on first import). A shell with PYTHONDONTWRITEBYTECODE would otherwise measure
# the compilation of every source file at every start. The first run writes the caches.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT, env=_ENV
    ).stdout.strip()


def interpreter_start(code: str, repeat: int = 15) -> float:
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=_ENV)  # writes the caches
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=_ENV)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bench_import() -> None:
    bare = interpreter_start("pass")
    with_autolog = interpreter_start("import autolog")
    heavy = _run(f"import autolog, sys; print([m for m in {HEAVY_MODULES!r} if m in sys.modules])")
    print(
        f"import autolog: {(with_autolog - bare) * 1e3:.1f} ms over a bare start "
        f"({bare * 1e3:.1f} ms -> {with_autolog * 1e3:.1f} ms, ratio {with_autolog / bare:.2f}); "
        f"heavy modules imported: {heavy}"
    )


def bench_enable() -> None:
    code = (
        "import time, sklearn.linear_model, autolog\n"
        "t = time.perf_counter(); autolog.autolog(); print(time.perf_counter() - t)"
    )
    _run(code)  # writes the caches
    timings = [float(_run(code)) for _ in range(5)]
    print(f"autolog.autolog() with sklearn imported: {statistics.median(timings) * 1e3:.1f} ms (median of 5)")


def bench_logging(store: str) -> None:
    import autolog

    autolog.set_tracking_uri(os.path.join(store, "logging"))
    n = 100_000
    with autolog.start_run():
        started = time.perf_counter()
        for i in range(n):
            autolog.log_metric("loss", 1.0 / (i + 1), step=i)
        logged = time.perf_counter()
        autolog.flush()
        flushed = time.perf_counter()
    print(f"log_metric: {(logged - started) / n * 1e6:.2f} us per call")
    print(
        f"100,000 metric points logged and persisted: {flushed - started:.3f} s "
        f"(flush after logging: {flushed - logged:.3f} s)"
    )


def bench_patched_call(store: str) -> None:
    code = f"""
import sys, time, types, statistics
sys.path.insert(0, {os.path.join(ROOT, "bench")!r})
import autolog
from autolog import Integration, hookimpl
from autolog.plugin_manager import register_plugin

toy = types.ModuleType("bench_toy_framework")
exec("class Model:\\n    def fit(self, X):\\n        return self\\n", toy.__dict__)
sys.modules["bench_toy_framework"] = toy

class ToyPlugin:
    @hookimpl
    def autolog_register_integrations(register):
        register(Integration(name="toy", modules=("bench_toy_framework",),
                             patch=lambda module, patcher: patcher.wrap_training(module.Model, "fit")))
    @hookimpl
    def autolog_collect_params(call):
        return {{f"param_{{i}}": i for i in range(10)}}
    @hookimpl
    def autolog_collect_metrics(call):
        return {{f"metric_{{i}}": i / 7 for i in range(5)}}

register_plugin(ToyPlugin, "toy")
autolog.set_tracking_uri({os.path.join(store, "toy")!r})
def per_call(n=300):
    model = toy.Model()
    started = time.perf_counter()
    for _ in range(n):
        model.fit(None)
    return (time.perf_counter() - started) / n
plain = per_call()
autolog.autolog()
per_call(20)
patched = statistics.median(per_call() for _ in range(3))
print(patched - plain)
"""
    overhead = float(_run(code))
    print(
        f"framework overhead per patched call (own run, 10 params, 5 metrics, flushed at run end): "
        f"{overhead * 1e3:.2f} ms"
    )


def bench_workloads() -> None:
    print("per-fit overhead (paired: the same training without and with autolog, median):")
    for log_models in ("0", "1"):
        with tempfile.TemporaryDirectory() as store:
            out = subprocess.run(
                [sys.executable, "-m", "bench.fit_overhead", "autolog", log_models, store],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                env=bench_env(),
            ).stdout
        for name, result in json.loads(out.strip().splitlines()[-1]).items():
            plain, added = result["plain"], result["added"]
            print(
                f"  {name:50} log_models={log_models == '1'!s:5} plain {plain * 1e3:8.1f} ms  "
                f"autolog +{added * 1e3:7.1f} ms  (ratio {(plain + added) / plain:.2f})"
            )


def bench_one_fit_script(repeat: int = 11) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.one_fit", str(repeat)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    print(f"one-fit script (sklearn LogisticRegression 2000x20), process start to exit, median of {repeat}:")
    for measure in ("wall", "cpu"):
        timings = found[measure]
        plain = statistics.median(timings["plain"])
        print(f"  {measure + ' time':9} {'plain':26} {plain * 1e3:7.0f} ms")
        for mode, values in timings.items():
            if mode == "plain":
                continue
            paired = statistics.median(t - p for t, p in zip(values, timings["plain"], strict=True))
            median = statistics.median(values)
            print(
                f"  {'':9} {mode:26} {median * 1e3:7.0f} ms  +{(median - plain) * 1e3:4.0f} ms "
                f"(paired +{paired * 1e3:.0f} ms, ratio {median / plain:.2f})"
            )


def bench_statsmodels_loop(fits: int = 2400) -> None:
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        print("statsmodels GEE loop: skipped (statsmodels not installed)")
        return
    with tempfile.TemporaryDirectory() as store:
        out = subprocess.run(
            [sys.executable, "-m", "bench.fit_loop", store, str(fits)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env=bench_env(),
        ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    print(
        f"statsmodels GEE 200 obs 50 clusters, a loop of {fits} fits, per fit (median of "
        f"{len(found['wall']['plain'])} alternating blocks, autolog at its defaults, flush included):"
    )
    for measure in ("wall", "cpu"):
        plain, logged = statistics.median(found[measure]["plain"]), statistics.median(found[measure]["autolog"])
        print(
            f"  {measure + ' time':9} plain {plain * 1e3:6.2f} ms  autolog {logged * 1e3:6.2f} ms  "
            f"+{(logged - plain) * 1e3:5.2f} ms  (ratio {logged / plain:.2f}; the loop: {plain * fits:.1f} s -> "
            f"{logged * fits:.1f} s)"
        )


def main() -> int:
    with tempfile.TemporaryDirectory() as store:
        bench_import()
        bench_enable()
        bench_logging(store)
        bench_patched_call(store)
    bench_one_fit_script()
    bench_statsmodels_loop()
    bench_workloads()
    return 0


if __name__ == "__main__":
    sys.exit(main())
