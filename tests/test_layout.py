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


# The import graph, function-level imports counted (an import inside a function is as
# much a dependency as one at the top): circles may only disappear.  Each is a strongly
# connected component of more than one module.
MAX_CIRCLES = 0


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imported(module: str, path: Path, node: ast.AST, names: dict[str, Path]) -> set[str]:
    """The modules of the package that one import statement of ``module`` loads: for
    ``from package import name``, the submodule ``name`` where there is one, else the
    package."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            package = module.split(".") if path.name == "__init__.py" \
                else module.split(".")[:-1]
            base = ".".join(package[:len(package) - node.level + 1]
                            + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in names else base
                   for alias in node.names]
    found = set()
    for target in targets:
        while target not in names and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in names and target != module:
            found.add(target)
    return found


def _import_graph() -> dict[str, set[str]]:
    names = _module_names()
    return {module: {target for node in ast.walk(ast.parse(path.read_text()))
                     if isinstance(node, (ast.Import, ast.ImportFrom))
                     for target in _imported(module, path, node, names)}
            for module, path in names.items()}


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, without
    recursion: the graph has a hundred-odd modules)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_import_circles_do_not_grow():
    circles = _circles(_import_graph())
    assert len(circles) <= MAX_CIRCLES, sorted(sorted(c) for c in circles)


def test_the_circle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"},
             "g": set()}
    assert sorted(sorted(c) for c in _circles(graph)) == [["a", "b", "c"], ["d", "e"]]


def test_function_level_imports_count():
    graph = _import_graph()
    assert "intertwine.cli.app" in graph["intertwine.cli.launch"]  # inside launch.run
    assert "intertwine.solvers.orbit.chunks" in graph["intertwine.solvers.orbit.minima"]
