"""``load_model(uri, kind="predict")``: one ``predict`` for any flavor that names a predict module,
and the signature enforced on what it is given (missing columns, extra columns, conversions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import autolog
from autolog.flavors import PickleFlavor
from tracking_core import ModelLoadError
from tracking_core.models import save_model
from tracking_core.models.enforcement import SignatureError

from models_thirdparty import LinearFlavor

WEIGHTS = {"a": 1.0, "b": 10.0, "n": 100.0}


def training_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"a": [0.5, 1.5], "b": np.array([1.0, 2.0], dtype="float32"), "n": np.array([1, 2], dtype="int32")}
    )


@pytest.fixture
def model_dir(tmp_path):
    directory = str(tmp_path / "model")
    save_model(WEIGHTS, directory, LinearFlavor(), signature_inputs=training_frame())
    return directory


@pytest.fixture
def model(model_dir):
    return autolog.load_model(model_dir, kind="predict")


def test_the_mlmodel_names_the_predict_module_of_a_third_party_flavor(model_dir):
    with open(f"{model_dir}/MLmodel") as fh:
        flavors = yaml.safe_load(fh)["flavors"]
    assert flavors["python_function"]["predict_module"] == "models_thirdparty"
    assert flavors["python_function"]["flavor"] == "linear_scorer"


def test_load_model_without_kind_still_returns_the_native_object(model_dir):
    assert autolog.load_model(model_dir) == WEIGHTS


def test_a_frame_an_array_and_records_give_the_same_predictions(model):
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "n": [5, 6]})
    expected = [1.0 + 30.0 + 500.0, 2.0 + 40.0 + 600.0]
    assert model.predict(frame).tolist() == expected
    assert model.predict(frame.astype(object).to_numpy()).tolist() == expected  # ints stay ints
    assert model.predict(frame.to_dict(orient="records")).tolist() == expected
    assert model.predict({"a": [1.0, 2.0], "b": [3.0, 4.0], "n": [5, 6]}).tolist() == expected
    assert model.predict([[1.0, 3.0, 5], [2.0, 4.0, 6]]).tolist() == expected  # list rows keep their ints
    assert model.predict([1.0, 3.0, 5]).tolist() == expected[:1]  # one row, without its batch dimension
    with pytest.raises(SignatureError, match="different lengths"):
        model.predict([[1.0, 3.0, 5], [2.0, 4.0]])


def test_missing_columns_are_an_error_naming_them(model):
    with pytest.raises(SignatureError, match=r"missing column\(s\) 'b', 'n'"):
        model.predict(pd.DataFrame({"a": [1.0]}))


def test_extra_columns_are_dropped_and_the_rest_put_in_the_signatures_order(model):
    model.predict(pd.DataFrame({"comment": ["x"], "n": [1], "b": [2.0], "a": [3.0]}))
    given = model.predictor.received[-1]
    assert list(given.columns) == ["a", "b", "n"]


def test_integers_become_floats_and_narrower_integers_when_they_fit(model):
    model.predict(pd.DataFrame({"a": [1, 2], "b": [3, 4], "n": np.array([5, 6], dtype="int64")}))
    given = model.predictor.received[-1]
    assert [str(t) for t in given.dtypes] == ["float64", "float32", "int32"]
    with pytest.raises(SignatureError, match="column 'n': values outside the range of integer"):
        model.predict(pd.DataFrame({"a": [1.0], "b": [1.0], "n": [2**40]}))


def test_floats_never_become_integers_and_the_error_names_the_column(model):
    with pytest.raises(SignatureError, match="column 'n' has type float64; the model expects integer"):
        model.predict(pd.DataFrame({"a": [1.0], "b": [1.0], "n": [2.0]}))
    with pytest.raises(SignatureError, match="column 'n' has type float64"):
        model.predict(np.array([[1.0, 1.0, 2.0]]))  # an all-float array: the Python API keeps the rule


def test_whole_numbers_decoded_from_text_fit_an_integer_column_and_fractions_do_not(model):
    assert model.predict(np.array([[1.0, 1.0, 2.0]]), from_text=True).tolist() == [211.0]
    with pytest.raises(SignatureError, match="column 'n'"):
        model.predict(np.array([[1.0, 1.0, 2.5]]), from_text=True)


def test_float64_data_is_read_at_a_float32_signatures_width(model):
    model.predict(pd.DataFrame({"a": [0.1], "b": [0.1], "n": [1]}))
    assert str(model.predictor.received[-1]["b"].dtype) == "float32"


def test_text_and_booleans_are_not_numbers(model):
    with pytest.raises(SignatureError, match=r"column 'a': expected double .*'high'"):
        model.predict(pd.DataFrame({"a": ["high"], "b": [1.0], "n": [1]}))
    with pytest.raises(SignatureError, match="column 'b' has type bool"):
        model.predict(pd.DataFrame({"a": [1.0], "b": [True], "n": [1]}))
    with pytest.raises(SignatureError, match="column 'a': missing values"):
        model.predict([{"a": None, "b": 1.0, "n": 1}])


def test_an_array_of_the_wrong_width_is_an_error(model):
    with pytest.raises(SignatureError, match=r"3 column\(s\) \(a, b, n\); got an array of shape \(1, 2\)"):
        model.predict(np.array([[1.0, 2.0]]))


def test_a_tensor_signature_checks_the_shape_and_takes_a_frames_values(tmp_path):
    directory = str(tmp_path / "tensor")
    save_model(WEIGHTS, directory, LinearFlavor(), signature_inputs=np.zeros((2, 3), dtype="float64"))
    model = autolog.load_model(directory, kind="predict")
    assert model.predict(pd.DataFrame({"x": [1], "y": [1], "z": [1]})).tolist() == [111.0]
    assert model.predict([1, 1, 1]).tolist() == [111.0]  # one instance without its batch dimension
    with pytest.raises(SignatureError, match=r"shape \[-1, 3\] .* got shape \[2, 4\]"):
        model.predict(np.zeros((2, 4)))


def test_a_model_without_signature_gets_the_data_as_given(tmp_path):
    directory = str(tmp_path / "unsigned")
    save_model(WEIGHTS, directory, LinearFlavor())
    model = autolog.load_model(directory, kind="predict")
    frame = pd.DataFrame({"n": [1], "b": [1], "a": [1]})
    assert model.predict(frame).tolist() == [111.0]
    assert model.predictor.received[-1] is frame


def test_unsupported_input_types_and_kinds_are_errors(model, model_dir):
    with pytest.raises(TypeError, match="got str"):
        model.predict("a,b,n")
    with pytest.raises(ValueError, match="kind='pyfunc'"):
        autolog.load_model(model_dir, kind="pyfunc")


def test_a_model_whose_flavor_has_no_predict_module_says_so(tmp_path):
    directory = str(tmp_path / "pickled")
    save_model({"weights": 1}, directory, PickleFlavor())
    with pytest.raises(ModelLoadError, match=r"no python_function flavor.*\(python_pickle\)"):
        autolog.load_model(directory, kind="predict")
    assert autolog.load_model(directory) == {"weights": 1}


def test_a_predict_module_that_is_not_installed_is_named(model_dir):
    path = f"{model_dir}/MLmodel"
    with open(path) as fh:
        mlmodel = yaml.safe_load(fh)
    mlmodel["flavors"]["python_function"]["predict_module"] = "autolog_not_installed.predict"
    with open(path, "w") as fh:
        yaml.safe_dump(mlmodel, fh)
    with pytest.raises(ModelLoadError, match=r"'autolog_not_installed\.predict' is not importable"):
        autolog.load_model(model_dir, kind="predict")
