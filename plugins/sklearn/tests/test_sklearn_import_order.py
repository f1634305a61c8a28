"""Post-training metrics and cross-validation functions whatever the import order, and training
metrics from one prediction pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import autolog

SCRIPT = """
import json, sys
import numpy as np
{early_import}
import autolog
autolog.set_tracking_uri(sys.argv[1])
autolog.autolog(log_models=False)
{late_import}
from sklearn.linear_model import LogisticRegression

rng = np.random.RandomState(0)
X_train, y_train = rng.rand(60, 3), rng.randint(0, 2, 60)
X_test, y_test = rng.rand(30, 3), rng.randint(0, 2, 30)
model = LogisticRegression().fit(X_train, y_train)
run_id = autolog.last_active_run().info.run_id
accuracy = accuracy_score(y_test, model.predict(X_test))
cross_val_predict(LogisticRegression(), X_train, y_train, cv=2)
cv_run = autolog.last_active_run()
autolog.autolog(disable=True)
accuracy_score(y_test, model.predict(X_test))  # disabled: logged nowhere
autolog.flush()
client = autolog.TrackingClient(sys.argv[1])
metrics = client.get_run(run_id).data.metrics
print(json.dumps({{
    "accuracy": accuracy,
    "logged": {{k: v for k, v in metrics.items() if k.startswith("accuracy_score")}},
    "cv_run_is_new": cv_run.info.run_id != run_id,
    "cv_tags": cv_run.data.tags.get("autolog.autologging"),
    "restored": accuracy_score.__module__ + "." + type(accuracy_score).__name__,
}}))
"""

EARLY = "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import cross_val_predict"


@pytest.mark.parametrize("order", ["imported before autolog()", "imported after autolog()"])
def test_post_training_metric_and_cross_val_predict_whatever_the_import_order(order, tmp_path):
    early = order.endswith("before autolog()")
    script = SCRIPT.format(early_import=EARLY if early else "", late_import="" if early else EARLY)
    env = {**os.environ, "AUTOLOG_TESTING": "1"}
    env.pop("AUTOLOG_TRACKING_URI", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(tmp_path / "store")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["logged"] == {"accuracy_score_X_test": pytest.approx(found["accuracy"])}
    assert found["cv_run_is_new"] and found["cv_tags"] == "sklearn"
    # after disable, the script's own name is the original function again (not a wrapper)
    assert found["restored"] == "sklearn.metrics._classification.function"


def test_training_metrics_of_a_forest_take_one_prediction_pass(autolog_enable, autolog_store):
    import traceback

    import numpy as np
    from sklearn import metrics
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    passes = []

    class CountingForest(RandomForestClassifier):
        def predict_proba(self, X):  # counts the passes autolog_sklearn makes (not other plugins')
            if any(f"autolog_sklearn{os.sep}" in frame.filename for frame in traceback.extract_stack()):
                passes.append(len(X))
            return super().predict_proba(X)

    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    autolog_enable("sklearn", log_models=False)
    model = CountingForest(n_estimators=5, random_state=0).fit(X, y)
    assert passes == [300]

    run = autolog.last_active_run()
    proba = model.predict_proba(X)
    y_pred = model.predict(X)
    assert np.array_equal(model.classes_[np.argmax(proba, axis=1)], y_pred)
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(metrics.accuracy_score(y, y_pred))
    assert run.data.metrics["training_f1_score"] == pytest.approx(metrics.f1_score(y, y_pred, average="weighted"))
    assert run.data.metrics["training_log_loss"] == pytest.approx(metrics.log_loss(y, proba))
    assert run.data.metrics["training_roc_auc"] == pytest.approx(metrics.roc_auc_score(y, proba[:, 1]))
