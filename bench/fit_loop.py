"""A simulation study's loop: many small statsmodels GEE fits in one process (issue 21 item 21).

A simulation repeats a small fit thousands of times (the issue's: 2,400 GEE fits, 32.7 s without
autolog). Here the GEE of ``bench.workloads.statsmodels`` (200 observations in 50 clusters) is fit
``FITS`` times without autolog and ``FITS`` times with ``autolog.autolog()`` at its defaults (one
run per fit, with its summary, coefficients and model), in blocks that alternate between the two
so the machine's noise hits both alike; the flush of the last run is timed with the autolog
blocks. The process's CPU time (every thread) is recorded beside the wall time: on a busy machine
wall times mostly measure the scheduler. Run as ``python -m bench.fit_loop STORE_DIR [FITS [BLOCKS]]``
from the repository root; prints one JSON object: {"wall": {"plain": [seconds per fit of each block],
"autolog": [...]}, "cpu": {...}}.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    store = argv[0]
    fits = int(argv[1]) if len(argv) > 1 else 2400
    blocks = int(argv[2]) if len(argv) > 2 else 8
    import autolog
    from bench.workloads.statsmodels import _prepare_gee, _train_gee

    autolog.set_tracking_uri(store)
    data = _prepare_gee()
    per_block = max(1, fits // blocks)
    # Warm both paths up: imports, the store's creation, statsmodels' own first-call costs.
    autolog.autolog(silent=True)
    for _ in range(5):
        _train_gee(data)
    autolog.autolog(disable=True)
    for _ in range(5):
        _train_gee(data)
    found: dict[str, dict[str, list[float]]] = {
        "wall": {"plain": [], "autolog": []},
        "cpu": {"plain": [], "autolog": []},
    }
    for _ in range(blocks):
        for mode in ("plain", "autolog"):
            autolog.autolog(silent=True, disable=mode == "plain")
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(per_block):
                _train_gee(data)
            if mode == "autolog":
                autolog.flush()
            found["wall"][mode].append((time.perf_counter() - started) / per_block)
            found["cpu"][mode].append((time.process_time() - cpu) / per_block)
    autolog.autolog(disable=True)
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
