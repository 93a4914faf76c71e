"""A command parses its spec once: layouts and solvers take the parsed spec, and
``compute_to_file`` returns the basis it wrote, built from one Problem."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from intertwine import spec as spec_module
from intertwine.api import compute_to_file
from intertwine.cli.app import cli
from intertwine.io import read_attributes
from intertwine.partitions import Layout
from intertwine.problem import Problem


@pytest.fixture
def parses(monkeypatch):
    """How many times the spec parser starts (each parse_spec, parse_group, ...)."""
    count = [0]
    start = spec_module._Parser.__init__

    def counting(self, text):
        count[0] += 1
        start(self, text)

    monkeypatch.setattr(spec_module._Parser, "__init__", counting)
    spec_module.parse_spec_cache_clear()  # what earlier tests parsed counts as unparsed
    return count


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("files")
    made = {"pattern": ("S(4): V**2 -> V**2", ()), "coo": ("SO(3): V**2 -> V**2", ()),
            "exact-labelled": ("S(3): V -> V**2", ("--method", "exact")),
            "partitions": ("S(5): V**2 -> V**2", ("--partitions-only",))}
    for name, (spec, options) in made.items():
        result = CliRunner().invoke(cli, ["basis", spec, "-o", str(folder / f"{name}.h5"),
                                          *options])
        assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("args", [
    ["dim", "C(5): V**2 -> V**2"],  # no closed count: the basis is computed
    ["dim", "S(5): V**2 -> V**2", "--json"],
    ["show", "S(3): V -> V", "--plain"],
])
def test_a_command_on_a_spec_parses_it_once(args, parses):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert parses[0] == 1


@pytest.mark.parametrize("command", ["verify", "info", "show"])
@pytest.mark.parametrize("name", ["pattern", "coo", "exact-labelled", "partitions"])
def test_a_command_on_a_file_parses_its_spec_once(command, name, files, parses):
    result = CliRunner().invoke(cli, [command, str(files / f"{name}.h5")])
    assert result.exit_code == 0, result.output
    assert parses[0] == (1 if command != "info" or name != "coo" else 0)


@pytest.mark.parametrize("options", [[], ["--partitions-only"], ["--method", "exact"]])
def test_basis_parses_once_and_builds_one_problem(options, parses, monkeypatch, tmp_path):
    problems = []
    build = Problem.__init__
    monkeypatch.setattr(Problem, "__init__",
                        lambda self, spec: (problems.append(spec), build(self, spec))[1])
    result = CliRunner().invoke(cli, ["basis", "S(3): V**2 -> V", "-o", str(tmp_path / "b.h5"),
                                      *options])
    assert result.exit_code == 0, result.output
    assert parses[0] == 1 and len(problems) == 1


@pytest.mark.parametrize("spec, method, partitions_only", [
    ("S(6): V**2 -> V**2", "auto", False), ("SO(3): V**2 -> V**2", "auto", False),
    ("S(3): V**2 -> V**2", "numeric", False), ("S(6): V**3 -> V", "auto", True),
    ("SO(3): V**3 -> V**3", "numeric", False)])  # residuals learnt while writing
def test_compute_to_file_returns_what_it_wrote_without_reading_it(spec, method,
                                                                  partitions_only, tmp_path,
                                                                  monkeypatch):
    from intertwine.io import read

    path = tmp_path / "b.h5"
    monkeypatch.setattr(read, "_root_attributes", lambda *a: pytest.fail("read back"))
    written = compute_to_file(spec, path, method, partitions_only=partitions_only)
    monkeypatch.undo()
    stored = read_attributes(path)
    assert written == stored and list(written)[:13] == list(stored)[:13]
    assert written["method"] == method if method != "auto" else written["exact"] is True


def test_layouts_take_parsed_specs():
    parsed = spec_module.parse_spec("S(4): V**2 -> V")
    assert Layout.of(parsed).sizes == (4,)
    with pytest.raises(TypeError, match="parsed Spec"):
        Layout.of("S(4): V**2 -> V")


def test_show_draws_a_partitions_file_as_the_pattern_at_its_n(files):
    drawn = CliRunner().invoke(cli, ["show", str(files / "partitions.h5"), "--plain"])
    computed = CliRunner().invoke(cli, ["show", "S(5): V**2 -> V**2", "--plain"])
    assert drawn.exit_code == 0 and drawn.output == computed.output
