"""``autolog models serve`` over real HTTP on loopback, and ``autolog models predict`` on files.

A scikit-learn classifier is trained under autologging in a fresh process (columns ``x1``,
``x2`` float and ``count`` int: its signature), then served from ``runs:/<id>/model``; a second
one logged without a signature is served with two workers. Every input format must give the
native model's predictions; every bad request its status and a message naming the problem.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import autolog
from tracking_core import TrackingClient

from models_support import payloads, start_servers, subprocess_env, train

TRAIN = """
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300),
                      "count": rng.integers(0, 5, size=300)})
    y = (X["x1"] + 0.5 * X["count"] - X["x2"] > 1).astype(int)
    LogisticRegression().fit(X, y)
    with_signature = autolog.last_active_run().info.run_id
    autolog.sklearn.autolog(log_model_signatures=False)
    LogisticRegression().fit(X, y)
    print(json.dumps([with_signature, autolog.last_active_run().info.run_id]))
"""
MAX_BODY_MB = 1


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return str(tmp_path_factory.mktemp("serving"))


@pytest.fixture(scope="module")
def run_ids(store):
    return train(store, TRAIN)


@pytest.fixture(scope="module")
def servers(store, run_ids):
    signed, unsigned = run_ids
    started = start_servers(
        {
            "signed": (f"runs:/{signed}/model", store, "--max-body-mb", str(MAX_BODY_MB)),
            "unsigned": (f"runs:/{unsigned}/model", store, "--workers", "2"),
        }
    )
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(scope="module")
def server(servers):
    return servers["signed"]


@pytest.fixture(scope="module")
def native(store, run_ids):
    return autolog.load_model(TrackingClient(store).download_artifacts(run_ids[0], "model"))


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "count": rng.integers(0, 5, size=n)})


# -- health and version -----------------------------------------------------------------------------
def test_ping_and_health_answer_200_once_the_model_is_loaded(server):
    assert server.get("/ping")[0] == 200
    assert server.get("/health")[0] == 200


def test_version_is_autologs(server):
    from importlib import metadata

    assert server.get("/version") == (200, metadata.version("autolog").encode())


# -- every input format gives the native predictions ------------------------------------------------
@pytest.mark.parametrize(
    "fmt",
    [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "instances_rows",
        "inputs",
        "inputs_array",
        "inputs_records",
        "csv",
    ],
)
def test_every_input_format_predicts_as_the_native_model(server, native, fmt):
    rows = frame(25)
    body, content_type = payloads(rows)[fmt]
    status, answer = server.invoke(body, content_type)
    assert status == 200, answer
    assert answer == {"predictions": native.predict(rows).tolist()}


def test_columns_in_another_order_and_extra_columns_are_fine(server, native):
    rows = frame(10)
    shuffled = rows[["count", "x2", "x1"]].assign(comment="ignored")
    status, answer = server.invoke({"dataframe_records": shuffled.to_dict(orient="records")})
    assert status == 200 and answer["predictions"] == native.predict(rows).tolist()


def test_a_batch_of_10000_rows(server, native):
    rows = frame(10_000, seed=7)
    body, _ = payloads(rows)["dataframe_split"]
    status, answer = server.invoke(body)
    assert status == 200
    assert answer["predictions"] == native.predict(rows).tolist()


def test_charset_utf8_is_accepted(server, native):
    rows = frame(3)
    status, answer = server.invoke(payloads(rows)["dataframe_split"][0], "application/json; charset=utf-8")
    assert status == 200 and answer["predictions"] == native.predict(rows).tolist()


def test_a_model_without_signature_served_by_two_workers_takes_the_frame_as_sent(servers, native):
    rows = frame(20, seed=3)
    for _ in range(4):  # requests spread over both workers
        status, answer = servers["unsigned"].invoke(
            {"dataframe_split": {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}}
        )
        assert status == 200 and answer["predictions"] == native.predict(rows).tolist()


# -- bad requests: status and a message naming the problem ------------------------------------------
def assert_error(answer, status, expected_status, *fragments, error_code="BAD_REQUEST"):
    assert status == expected_status, answer
    assert answer["error_code"] == error_code
    for fragment in fragments:
        assert fragment in answer["message"], answer["message"]
    assert "Traceback" not in answer["message"]


@pytest.mark.parametrize(
    "content_type, named",
    [
        ("text/plain", "text/plain"),
        ("", "no Content-Type"),
        ("application/json; charset=latin-1", "charset"),
        ("application/json; format=pandas-split", "format"),
    ],
)
def test_an_unsupported_content_type_is_415(server, content_type, named):
    status, answer = server.invoke({"inputs": [[0.0, 0.0, 1]]}, content_type)
    assert_error(answer, status, 415, named)


@pytest.mark.parametrize(
    "body, fragments",
    [
        (b'{"dataframe_split": ', ["not valid JSON"]),
        (b"\xff\xfe{}", ["UTF-8"]),
        (b"[[1, 2, 3]]", ["must be an object", "a list"]),
        (b'{"data": [[1, 2, 3]]}', ["unknown key(s) 'data'"]),
        (b'{"inputs": [[1, 2, 3]], "instances": [[1, 2, 3]]}', ["exactly one of", "instances, inputs"]),
        (b"{}", ["exactly one of", "got none"]),
        (b'{"inputs": [[1.0, 2.0, 3]], "params": {"threshold": 0.3}}', ["takes no params"]),
        (b'{"inputs": [[1.0, 2.0, 3], [1.0]]}', ["different lengths"]),
        (b'{"dataframe_split": {"columns": ["x1", "x2"], "data": [[1.0, 2.0, 3]]}}', ["one value per column"]),
        (b'{"dataframe_records": [[1.0, 2.0, 3]]}', ["list of objects"]),
        (b"[" * 100_000, ["nested too deeply"]),
        (b'{"inputs": [[' + b"1" * 5000 + b", 1.0, 1]]}", ["not valid JSON", "digits"]),
    ],
)
def test_malformed_bodies_are_400(server, body, fragments):
    status, answer = server.invoke(body)
    assert_error(answer, status, 400, *fragments)


def test_a_missing_column_is_400_naming_it(server):
    status, answer = server.invoke({"dataframe_records": [{"x1": 1.0, "count": 2}]})
    assert_error(answer, status, 400, "signature", "missing column(s) 'x2'")


def test_floats_for_an_integer_column_are_400_naming_it(server):
    status, answer = server.invoke({"dataframe_records": [{"x1": 1.0, "x2": 2.0, "count": 2.5}]})
    assert_error(answer, status, 400, "column 'count'", "float64", "long")


def test_integers_for_a_float_column_are_converted(server, native):
    status, answer = server.invoke({"dataframe_records": [{"x1": 1, "x2": -2, "count": 3}]})
    assert status == 200
    assert answer["predictions"] == native.predict(pd.DataFrame({"x1": [1.0], "x2": [-2.0], "count": [3]})).tolist()


def test_text_in_a_number_column_is_400_naming_it(server):
    status, answer = server.invoke({"dataframe_records": [{"x1": "high", "x2": 2.0, "count": 1}]})
    assert_error(answer, status, 400, "column 'x1'", "'high'")


def test_rows_of_the_wrong_width_are_400(server):
    status, answer = server.invoke({"inputs": [[1.0, 2.0]]})
    assert_error(answer, status, 400, "3 column(s)", "shape (1, 2)")


def test_a_csv_missing_a_column_is_400_naming_it(server):
    status, answer = server.invoke("x1,count\n1.0,2\n", "text/csv")
    assert_error(answer, status, 400, "missing column(s) 'x2'")


def test_an_empty_csv_is_400(server):
    status, answer = server.invoke("", "text/csv")
    assert_error(answer, status, 400, "empty")


def test_an_input_the_model_itself_refuses_is_400_not_500(servers):
    status, answer = servers["unsigned"].invoke({"inputs": [[1.0, 2.0]]})
    assert_error(answer, status, 400, "could not predict", "ValueError", "features")


def _raw_request(port: int, head: bytes, body_chunks=()) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)

        def send():
            try:
                for chunk in body_chunks:
                    sock.sendall(chunk)
            except OSError:
                pass  # the server answered and closed before reading it all: that is the point

        sender = threading.Thread(target=send)
        sender.start()
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            received += data
        sender.join(timeout=30)
    return received


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(server):
    size = MAX_BODY_MB * 1024 * 1024 + 1
    response = _raw_request(
        server.port,
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size,
    )
    assert response.startswith(b"HTTP/1.1 413")
    answer = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert answer["error_code"] == "REQUEST_LIMIT_EXCEEDED" and "limit" in answer["message"]


def test_a_chunked_body_over_the_limit_is_413(server):
    chunk = b"x" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (MAX_BODY_MB * 16 + 2) + [b"0\r\n\r\n"]
    response = _raw_request(
        server.port,
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n",
        chunks,
    )
    assert response.startswith(b"HTTP/1.1 413")


def test_the_server_still_answers_after_every_bad_request(server):
    assert server.get("/ping")[0] == 200
    assert server.invoke({"inputs": [[0.5, 0.5, 1]]})[0] == 200


# -- autolog models predict -------------------------------------------------------------------------
@pytest.fixture
def predict_cli(store, monkeypatch, capsys):
    """``autolog models predict --tracking-uri STORE ...`` in this process: (exit code, stdout, stderr)."""
    from autolog.cli import main
    from tracking_core.client import fluent

    monkeypatch.setattr(fluent, "_tracking_uri", fluent._tracking_uri)  # --tracking-uri sets it: restored after

    def run(*args):
        code = main(["models", "predict", "--tracking-uri", store, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_models_predict_reads_json_and_csv_files_and_writes_the_predictions(
    predict_cli, store, run_ids, native, tmp_path
):
    rows = frame(40, seed=11)
    (tmp_path / "in.json").write_text(json.dumps(payloads(rows)["dataframe_records"][0]))
    (tmp_path / "in.csv").write_text(rows.to_csv(index=False))
    expected = {"predictions": native.predict(rows).tolist()}
    code, _, err = predict_cli(
        "-m", f"runs:/{run_ids[0]}/model", "-i", str(tmp_path / "in.json"), "-o", str(tmp_path / "out.json")
    )
    assert code == 0, err
    assert json.loads((tmp_path / "out.json").read_text()) == expected
    model_dir = TrackingClient(store).download_artifacts(run_ids[0], "model")
    code, out, err = predict_cli("-m", model_dir, "-i", str(tmp_path / "in.csv"))
    assert code == 0, err
    assert json.loads(out) == expected


def test_models_predict_names_the_problem_and_fails(predict_cli, run_ids, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"dataframe_records": [{"x1": 1.0, "count": 1}]}))
    code, _, err = predict_cli("-m", f"runs:/{run_ids[0]}/model", "-i", str(tmp_path / "bad.json"))
    assert code == 1 and "missing column(s) 'x2'" in err
    (tmp_path / "bad.csv").write_text("x1,x2,count\n1.0,oops,1\n")
    code, _, err = predict_cli("-m", f"runs:/{run_ids[0]}/model", "-i", str(tmp_path / "bad.csv"))
    assert code == 1 and "column 'x2'" in err and "'oops'" in err
    code, _, err = predict_cli("-m", f"runs:/{'0' * 32}/model", "-i", str(tmp_path / "bad.json"))
    assert code == 1 and "0" * 32 in err


def test_serve_refuses_a_model_without_a_predict_interface_naming_why(store, tmp_path):
    model_dir = str(tmp_path / "pickled")
    from autolog.flavors import PickleFlavor
    from tracking_core.models import save_model

    save_model({"not": "a model"}, model_dir, PickleFlavor())
    result = subprocess.run(
        [sys.executable, "-m", "autolog", "models", "serve", "-m", model_dir, "--port", "1"],
        env=subprocess_env(store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "no python_function flavor" in result.stderr and "python_pickle" in result.stderr
    assert os.listdir(tmp_path) == ["pickled"]
