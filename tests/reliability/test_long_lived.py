"""A long-lived process: autologged fits do not accumulate memory, file descriptors or threads.

``make soak`` runs 10,000 fits (``bench.soak.long_lived``) and reports growth per 1,000 fits
(target: under 5 MB); here a short run checks descriptors and threads stay exactly flat and
memory does not grow beyond noise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.soak import long_lived


def test_fits_in_one_process_leave_fds_and_threads_flat_and_memory_bounded(tmp_path):
    result = long_lived(fits=100, warmup=30, store=str(tmp_path / "store"))
    assert result["fds_first_last"][0] == result["fds_first_last"][1], result
    assert result["threads_first_last"][0] == result["threads_first_last"][1], result
    assert result["rss_mb_total_growth"] < 5, result  # 100 fits; the soak's 10,000 give the per-1,000 figure


GROWING_STORE = r"""
import json, os, sys
import tracking_core

def resident_file_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile"))

def log_and_read(store):
    tracking_core.set_tracking_uri(store)
    with tracking_core.start_run() as run:
        for i in range(300_000):
            tracking_core.log_metric("m", i * 0.5, step=i)
    return len(tracking_core.TrackingClient(store).get_metric_history(run.info.run_id, "m"))

log_and_read(os.path.join(sys.argv[1], "warm-up"))  # the code this uses is paged in once
before = resident_file_kb()
points = log_and_read(os.path.join(sys.argv[1], "measured"))
print(json.dumps({"points": points, "grew_mb": (resident_file_kb() - before) / 1024,
                  "db_mb": os.path.getsize(os.path.join(sys.argv[1], "measured", "autolog.db")) / 2**20}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc")
def test_a_training_process_memory_does_not_grow_with_the_store(tmp_path):
    """Reading a store back maps none of its pages into a training process (a server maps them)."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOLOG_SQLITE_CACHE_MB"}
    out = subprocess.run(
        [sys.executable, "-c", GROWING_STORE, str(tmp_path / "store")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["points"] == 300_000 and result["db_mb"] > 12, result
    assert result["grew_mb"] < 4, result  # the whole database read back stays out of resident memory
