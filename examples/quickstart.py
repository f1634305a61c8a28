"""autolog quickstart: enable autologging once, train real models, print what was recorded.

Run with ``make demo`` (or ``python quickstart.py`` from this folder). Every framework that is
installed trains one small model; each fit becomes a run in ./autologruns.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import autolog
from autolog import TrackingClient


def show(run) -> None:
    print(
        f"  run {run.info.run_id}  status {run.info.status}  integration "
        f"{run.data.tags.get('autolog.autologging', '-')}"
    )
    params = run.data.params
    shown = ", ".join(f"{k}={v}" for k, v in list(sorted(params.items()))[:8])
    print(f"    params  ({len(params)}): {shown}{' ...' if len(params) > 8 else ''}")
    for key, value in sorted(run.data.metrics.items()):
        print(f"    metric  {key} = {value:.6g}")
    client = TrackingClient()
    files = [f.path + ("/" if f.is_dir else "") for f in client.list_artifacts(run.info.run_id)]
    print(f"    artifacts: {', '.join(files) or '-'}")


def main() -> int:
    autolog.set_experiment("quickstart")
    autolog.autolog(log_input_examples=True)
    print(f"tracking store: {autolog.get_tracking_uri()}")
    import demos

    failures = 0
    for info in sorted(pkgutil.iter_modules(demos.__path__), key=lambda i: i.name):
        try:
            module = importlib.import_module(f"demos.{info.name}")
        except ImportError as exc:
            print(f"\n[{info.name}] skipped: {exc}")
            continue
        started = time.perf_counter()
        try:
            description = module.demo()
        except Exception as exc:
            failures += 1
            print(f"\n[{info.name}] FAILED: {type(exc).__name__}: {exc}")
            continue
        print(f"\n[{info.name}] {description} ({time.perf_counter() - started:.2f} s)")
        show(autolog.last_active_run())
    print("\nlist them again with: autolog runs list; inspect one with: autolog runs show RUN_ID")
    store = autolog.get_tracking_uri()
    import shlex

    print(
        f"look at them in your browser: autolog ui --backend-store-uri {shlex.quote(store)}"
        "   (then open http://127.0.0.1:5000)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
