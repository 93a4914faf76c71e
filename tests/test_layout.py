"""The code's own shape: names shared between modules are public, and the memory budget
is one setting with one way to change it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import intertwine
from intertwine import budget

PACKAGE = Path(intertwine.__file__).parent
#: a compiled extension module of its own package (solvers/_modular.c)
EXTENSIONS = {"_modular"}


def _private_imports(path: Path) -> list[str]:
    """``from x import _name`` and ``module._name`` of an imported module, in one file."""
    tree = ast.parse(path.read_text())
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__") \
                        and alias.name not in EXTENSIONS:
                    found.append(f"{path.name}:{node.lineno} imports {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
    modules -= {"os"}  # os._exit is the documented way to leave a forked child
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in modules and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_a_module():
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _private_imports(path)]
    assert not found, found


def test_the_checker_sees_private_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from .io import _human\nfrom . import io\nio._fail(1)\nimport os\n"
                      "os._exit(0)\n")
    assert _private_imports(sample) == ["sample.py:1 imports _human",
                                        "sample.py:3 reads io._fail"]


def test_the_budget_is_one_setting():
    from intertwine import io

    before = budget.max_bytes()
    with budget.limited(12345):
        assert budget.max_bytes() == 12345 == io.MAX_BYTES
        io.MAX_BYTES = 999  # the 0.2 name sets the same budget
        assert budget.max_bytes() == 999
    assert budget.max_bytes() == before == io.MAX_BYTES
    with pytest.raises(ValueError, match="positive"):
        budget.set_max_bytes(0)


def test_a_read_beyond_the_budget_is_refused(tmp_path):
    from intertwine import api, io

    path = tmp_path / "b.h5"
    api.compute("S(5): V**2 -> V**2").save(path)
    with budget.limited(100), pytest.raises(io.BasisFileError, match="limit 100 B"):
        io.load(path)
    assert io.load(path).n_basis == 15


@pytest.mark.parametrize("n, shown", [(0, "0 B"), (999, "999 B"), (1500, "1.5 kB"),
                                      (2.5e9, "2.5 GB"), (10**21, "1e+03 EB")])
def test_sizes_read_as_people_read_them(n, shown):
    assert budget.human(n) == shown
