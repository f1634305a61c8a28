"""Meta-tests: every hook is documented in the plugin guide with its exact arguments, and tested."""

from __future__ import annotations

import ast
import os
import re

import pytest

from autolog import hookspecs

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hook_signatures() -> dict[str, list[str]]:
    with open(hookspecs.__file__) as fh:
        tree = ast.parse(fh.read())
    return {
        node.name: [a.arg for a in node.args.args]
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("autolog_")
    }


def test_hookspecs_define_the_hooks_the_guide_lists():
    assert len(hook_signatures()) >= 10


@pytest.mark.parametrize("name,args", sorted(hook_signatures().items()))
def test_every_hook_is_documented_with_its_arguments(name, args):
    with open(os.path.join(REPO, "plugins", "README.md")) as fh:
        guide = fh.read()
    heading = f"### {name}({', '.join(args)})"
    assert heading in guide, f"plugins/README.md lacks the section {heading!r}"
    section = guide.split(heading, 1)[1].split("\n### ", 1)[0]
    assert "```python" in section and f"def {name}(" in section, f"{name}: no runnable example"


@pytest.mark.parametrize("name", sorted(hook_signatures()))
def test_every_hook_has_a_test(name):
    tests = ""
    for file_name in os.listdir(os.path.dirname(os.path.abspath(__file__))):
        if file_name.startswith("test_") and file_name.endswith(".py"):
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name)) as fh:
                tests += fh.read()
    assert re.search(rf"def test_hook_{name}\b", tests), f"no test named test_hook_{name}"
