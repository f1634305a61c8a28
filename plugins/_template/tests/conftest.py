import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture
def template_plugin():
    """The template is not installed (it would list a toy integration everywhere): register it by hand."""
    import autolog_template

    from autolog.testing import register_plugin, unregister_plugin

    register_plugin(autolog_template, "template")
    yield autolog_template
    unregister_plugin("template")
