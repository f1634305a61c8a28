"""Bad option values are refused at the ``autolog()`` call, naming the option, and change nothing."""

from __future__ import annotations

import pytest

import autolog
from autolog import option_checks
from autolog.config import config
from autolog.integration import Integration


@pytest.mark.parametrize(
    "option, value",
    [
        ("log_models", "yes"),
        ("silent", 1),
        ("disable", None),
        ("extra_tags", ["a"]),
        ("extra_tags", {"": "x"}),
    ],
)
def test_bad_common_option_values_are_refused_naming_the_option(plugin_state, option, value):
    with pytest.raises(autolog.InvalidOptionError, match=rf"option {option}=.* is invalid"):
        autolog.autolog(**{option: value})
    assert isinstance(autolog.InvalidOptionError("x"), ValueError)


def test_integration_checks_run_for_global_and_per_library_calls(make_framework):
    framework = make_framework(
        options={"max_runs": 5}, option_checks={"max_runs": option_checks.optional(option_checks.non_negative_int)}
    )
    autolog.autolog(max_runs=3)
    handle = autolog.integration_handle(framework.name)
    assert handle.options["max_runs"] == 3
    with pytest.raises(ValueError, match=r"max_runs=-1 is invalid .*integer >= 0 or None"):
        autolog.autolog(max_runs=-1)
    with pytest.raises(ValueError, match=rf"autolog.{framework.name}.autolog\(\): option max_runs=2.5"):
        handle.autolog(max_runs=2.5)
    # A refused call changes nothing: the options of the last good call still hold.
    assert handle.options["max_runs"] == 3
    handle.autolog(max_runs=None)
    assert handle.options["max_runs"] is None
    autolog.autolog(disable=True)


def test_a_check_for_an_undeclared_option_is_a_plugin_error():
    with pytest.raises(ValueError, match="does not declare"):
        Integration(
            name="x", modules="x", patch=lambda m, p: None, options={"a": 1}, option_checks={"b": option_checks.boolean}
        )


@pytest.mark.parametrize(
    "check, good, bad",
    [
        (option_checks.boolean, [True, False], [0, "True", None]),
        (option_checks.non_negative_int, [0, 7], [-1, 1.5, True, "3"]),
        (option_checks.positive_int, [1], [0, -2]),
        (option_checks.non_negative_number, [0, 2.5], [-0.1, float("nan"), "1"]),
        (option_checks.string_list, [["a"], ("a", "b"), []], ["a", [1], None]),
        (option_checks.one_of("a", "b"), ["a"], ["c"]),
        (option_checks.names_from("gain", "split"), ["gain", ["gain", "split"], []], ["cover", ["gain", "x"], [1]]),
    ],
)
def test_checks_accept_good_values_and_refuse_bad_ones(check, good, bad):
    for value in good:
        check(value)
    for value in bad:
        with pytest.raises(ValueError):
            check(value)


def test_config_is_untouched_when_a_global_call_is_refused(plugin_state):
    autolog.autolog(silent=True)
    before = dict(config._global)
    with pytest.raises(ValueError):
        autolog.autolog(silent="no")
    assert config._global == before
    autolog.autolog(disable=True)


def test_after_a_reset_a_framework_imported_later_is_not_patched(make_framework):
    """The test kit's reset (and a never-enabled process) leaves post-import hooks inert."""
    from autolog import activation
    from autolog.testing import reset_autologging

    framework = make_framework()
    autolog.autolog()  # registers the post-import hook; the module is not imported yet
    reset_autologging()
    framework.import_()
    assert not activation.is_active(autolog.integration_handle(framework.name).integration)
    assert autolog.integration_handle(framework.name).options["disable"] is True
