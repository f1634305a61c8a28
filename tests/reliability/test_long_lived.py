"""A long-lived process: autologged fits do not accumulate memory, file descriptors or threads.

``make soak`` runs 10,000 fits (``bench.soak.long_lived``) and reports growth per 1,000 fits
(target: under 5 MB); here a short run checks descriptors and threads stay exactly flat and
memory does not grow beyond noise.
"""

from __future__ import annotations

from bench.soak import long_lived


def test_fits_in_one_process_leave_fds_and_threads_flat_and_memory_bounded(tmp_path):
    result = long_lived(fits=100, warmup=30, store=str(tmp_path / "store"))
    assert result["fds_first_last"][0] == result["fds_first_last"][1], result
    assert result["threads_first_last"][0] == result["threads_first_last"][1], result
    assert result["rss_mb_total_growth"] < 5, result  # 100 fits; the soak's 10,000 give the per-1,000 figure
