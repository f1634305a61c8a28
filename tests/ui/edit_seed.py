"""Fill a tracking store for the editing and run-page tests (``python edit_seed.py STORE_DIR``).

Its own store, so the tests that rename, tag and delete never change what the other UI tests read.
Experiment "editing": "wide", a real autologged LogisticRegression on a 30-column DataFrame (a
30-row signature, many params), "nan-fit", the same fit on data holding a NaN (FAILED, its
ValueError recorded), and "raised-in-context", a ``start_run`` block that raised an exception
whose message is markup. Prints one JSON line of ids, and what the training code caught.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

XSS = '<img src=x onerror="window.__xss=1">'


def main(store_dir: str) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import autolog

    warnings.filterwarnings("ignore")
    autolog.set_tracking_uri(store_dir)
    autolog.set_experiment("editing")
    autolog.autolog()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 30)), columns=[f"feature_{i:02d}" for i in range(30)])
    target = (frame["feature_00"] > 0).astype(int)
    ids: dict = {}
    LogisticRegression(max_iter=200).fit(frame, target)
    ids["wide"] = autolog.last_active_run().info.run_id
    broken = frame.copy()
    broken.iloc[3, 2] = np.nan
    model = LogisticRegression()
    try:
        model.fit(broken, target)
    except ValueError as exc:
        ids["nan_fit_caught"] = type(exc).__name__
    ids["nan_fit"] = autolog.last_active_run().info.run_id
    try:
        with autolog.start_run(run_name="raised-in-context") as run:
            autolog.log_param("alpha", "0.5")
            raise RuntimeError("diverged " + XSS)
    except RuntimeError as exc:
        ids["context_caught"] = str(exc)
    ids["context"] = run.info.run_id
    print(json.dumps(ids))


if __name__ == "__main__":
    os.environ.pop("AUTOLOG_TESTING", None)
    main(sys.argv[1])
