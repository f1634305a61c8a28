"""Fill a tracking store for the UI tests: real autologged sklearn fits plus synthetic runs.

Run as a script in its own process (``python seed.py STORE_DIR``), so autologging never touches
the test process. Prints one JSON line: the ids the tests look for.

What it makes, in experiment "iris" (real sklearn with autolog): a LogisticRegression fit (model,
signature, requirements, metrics), a RandomForest fit (confusion matrix from the
autolog-sklearn-confusion plugin when installed), a GridSearchCV (a parent with child runs).
In "synthetic": runs with metric histories (one of 10,000 steps), a FAILED and a RUNNING run,
plot data (ROC, PR, importances, learning curve), images, CSV, HTML, and a run whose name,
params, tags, metric key and artifact names are XSS payloads. "empty" has no runs.
Registered models: "iris-classifier" (versions 1 and 2 from the logistic regression and the
forest, aliases champion -> 2 and challenger -> 1, a description and tags), a model whose name,
description, tags and version description are XSS payloads, and "no-versions-yet".
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings

XSS = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"


def tiny_png(width: int = 40, height: int = 24) -> bytes:
    """A small solid PNG made with zlib (no imaging library needed)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes([36, 99, 199]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def sklearn_runs(ids: dict) -> None:
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    import autolog

    autolog.set_experiment("iris")
    autolog.autolog(log_input_examples=True, silent=True)
    X, y = load_iris(return_X_y=True, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LogisticRegression(max_iter=300).fit(X, y)
        ids["logreg"] = autolog.last_active_run().info.run_id
        RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, y)
        ids["forest"] = autolog.last_active_run().info.run_id
        GridSearchCV(LogisticRegression(max_iter=100), {"C": [0.1, 1.0, 10.0]}, cv=2).fit(X, y)
        ids["search"] = autolog.last_active_run().info.run_id
        binary = y < 2  # a binary classifier: the sklearn plugin logs ROC and PR curve data too
        LogisticRegression(max_iter=100).fit(X[binary], y[binary])
        ids["binary"] = autolog.last_active_run().info.run_id
        from sklearn.model_selection import learning_curve

        learning_curve(LogisticRegression(max_iter=100), X, y, cv=2, train_sizes=[0.3, 0.6, 1.0])
        ids["learning_curve"] = autolog.last_active_run().info.run_id
    autolog.autolog(disable=True)


def synthetic_runs(ids: dict) -> None:
    import autolog
    from tracking_core.storage.artifacts import repository_for

    autolog.set_experiment("synthetic")
    # Learning curves: three runs, 200 steps each, different learning rates.
    for i, lr in enumerate((0.1, 0.03, 0.01)):
        with autolog.start_run(run_name=f"curve-lr{lr}") as run:
            autolog.log_params({"lr": lr, "optimizer": ["adam", "sgd", "adam"][i], "layers": 2 + i})
            autolog.set_tag("team", "vision")
            t0 = run.info.start_time
            for step in range(200):
                loss = math.exp(-lr * step * 0.3) + 0.05 * i
                autolog.log_metric("loss", loss, step=step, timestamp=t0 + step * 100)
                autolog.log_metric("accuracy", 1 - loss / 2, step=step, timestamp=t0 + step * 100)
            ids.setdefault("curves", []).append(run.info.run_id)
    # A long history: 10,000 steps with one spike the downsampling must keep.
    with autolog.start_run(run_name="long-history") as run:
        t0 = run.info.start_time
        for step in range(10_000):
            value = 100.0 if step == 7_777 else math.sin(step / 300.0)
            autolog.log_metric("signal", value, step=step, timestamp=t0 + step)
        autolog.log_metric("short", 1.0, step=0)
        for step in range(1, 20):
            autolog.log_metric("short", 1.0 / step, step=step)
        ids["long"] = run.info.run_id
    run = autolog.start_run(run_name="broken-run")
    autolog.log_param("lr", 5)
    ids["failed"] = run.info.run_id
    autolog.end_run("FAILED")
    # Plot data and previews.
    with autolog.start_run(run_name="plots-and-files") as run:
        autolog.log_param("model", "gbm")
        autolog.log_metric("auc", 0.91)
        autolog.log_dict({"fpr": [0, 0.1, 0.2, 0.5, 1], "tpr": [0, 0.6, 0.8, 0.95, 1], "auc": 0.91}, "roc_curve.json")
        autolog.log_dict(
            {"precision": [1, 0.9, 0.8, 0.6], "recall": [0.1, 0.5, 0.8, 1.0], "average_precision": 0.83},
            "precision_recall_curve.json",
        )
        autolog.log_dict({f"feature_{i}": 1.0 / (i + 1) for i in range(25)}, "feature_importance_gain.json")
        autolog.log_dict(
            {
                "train_sizes": [10, 20, 40, 80],
                "train_scores": [0.99, 0.97, 0.95, 0.94],
                "test_scores": [0.7, 0.8, 0.86, 0.9],
            },
            "learning_curve.json",
        )
        autolog.log_dict(
            {"labels": ["cat", "dog", "bird"], "matrix": [[12, 1, 0], [2, 9, 1], [0, 1, 14]]}, "confusion_matrix.json"
        )
        autolog.log_text("a,b,c\n1,2,3\n4,5,6\n", "table.csv")
        autolog.log_text("<h1>report</h1><script>parent.__xss=3</script><p>inside a sandbox</p>", "report.html")
        autolog.log_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="15" '
            'fill="#d9480f"/><script>parent.__xss=4</script></svg>',
            "images/dot.svg",
        )
        repository_for(run.info.artifact_uri).write_bytes("images/blue.png", tiny_png())
        autolog.log_text("hello from a text file\nline two\n", "notes/readme.txt")
        # a model directory without signature, requirements or input example (as some flavors write)
        autolog.log_text("flavors:\n  python_function: {loader_module: custom}\nrun_id: x\n", "bare_model/MLmodel")
        ids["plots"] = run.info.run_id
    with autolog.start_run(run_name="many-files") as run:
        repository = repository_for(run.info.artifact_uri)
        for i in range(320):
            repository.write_bytes(f"part_{i:03d}.txt", b"x")
        ids["many_files"] = run.info.run_id
    # Untrusted values everywhere a page shows them.
    with autolog.start_run(run_name=f"xss {XSS}") as run:
        autolog.log_params({"payload": XSS})
        autolog.log_param("script", XSS_SCRIPT)
        autolog.set_tags({"payload": XSS_SCRIPT, "team": XSS})
        autolog.flush()
        _write_unchecked_keys(run.info.run_id)
        autolog.log_text(XSS, f"{XSS}.txt".replace("/", "_"))
        autolog.log_text(XSS_SCRIPT, "notes.md")
        ids["xss"] = run.info.run_id
    # A run still going (never ended: the UI shows RUNNING).
    run = autolog.start_run(run_name="still-running")
    autolog.log_metric("loss", 1.0, step=0)
    autolog.log_metric("loss", 0.5, step=1)
    ids["running"] = run.info.run_id
    autolog.flush()  # main() leaves with os._exit: the run stays RUNNING in the store


def _write_unchecked_keys(run_id: str) -> None:
    """Keys MLflow's rules refuse today (``<``, ``>``, ``=``) but a store written by an older version
    or another tool may hold: written straight into the store, as such a store has them."""
    from tracking_core.batch import WriteBatch, now_ms
    from tracking_core.storage.sql_store import get_store
    from tracking_core.uri import resolve

    get_store(resolve(os.environ["AUTOLOG_TRACKING_URI"]).database_url).write(
        WriteBatch(
            params={(run_id, XSS_SCRIPT.replace("/", "_")): "k"},
            metrics=[(run_id, "m_<b>bold</b>", 1.5, now_ms(), 0)],
        )
    )


def registered_models(ids: dict) -> None:
    import autolog

    client = autolog.TrackingClient()
    first = autolog.register_model(f"runs:/{ids['logreg']}/model", "iris-classifier")
    second = autolog.register_model(f"runs:/{ids['forest']}/model", "iris-classifier", tags={"framework": "sklearn"})
    client.set_registered_model_alias("iris-classifier", "champion", second.version)
    client.set_registered_model_alias("iris-classifier", "challenger", first.version)
    client.update_registered_model("iris-classifier", "Classifies iris flowers.\nTrained on the iris data set.")
    client.update_model_version("iris-classifier", first.version, "the logistic regression baseline")
    client.set_registered_model_tag("iris-classifier", "team", "botany")
    payload = f"xss {XSS}"
    client.create_registered_model(payload, tags={XSS: XSS_SCRIPT}, description=XSS_SCRIPT)
    version = autolog.register_model(f"runs:/{ids['logreg']}/model", payload, tags={"note": XSS})
    client.update_model_version(payload, version.version, XSS)
    client.set_registered_model_alias(payload, "prod", version.version)
    client.create_registered_model("no-versions-yet")
    ids["models"] = {"iris": "iris-classifier", "xss": payload, "empty": "no-versions-yet"}


def main() -> None:
    store_dir = sys.argv[1]
    os.environ["AUTOLOG_TRACKING_URI"] = store_dir
    import autolog

    autolog.set_tracking_uri(store_dir)
    ids: dict = {}
    sklearn_runs(ids)
    autolog.set_experiment("trash")
    with autolog.start_run(run_name="deleted-run") as run:
        autolog.log_param("gone", "yes")
    ids["deleted"] = run.info.run_id
    autolog.TrackingClient().delete_run(run.info.run_id)
    autolog.set_experiment(f"exp {XSS}")
    with autolog.start_run(run_name="in-a-payload-experiment") as run:
        autolog.log_param("where", "xss experiment")
    ids["xss_experiment_run"] = run.info.run_id
    synthetic_runs(ids)
    registered_models(ids)
    autolog.set_experiment("empty")
    from tracking_core.client.fluent import _tracker

    _tracker().experiment("empty")  # an experiment with no runs
    autolog.flush()
    from tracking_core.client.fluent import _tracker as tracker

    ids["experiments"] = {
        name: tracker().experiment(name).experiment_id for name in ("iris", "trash", "synthetic", "empty", f"exp {XSS}")
    }
    print(json.dumps(ids))
    sys.stdout.flush()
    os._exit(0)  # the RUNNING run stays RUNNING (no atexit end_run)


if __name__ == "__main__":
    main()
