"""Issue 26: every file intertwine writes works with every command, and bad input on the
0.2 surfaces ends in a usage error (exit 2), never exit 3, a crash or a stall."""

import pytest
from click.testing import CliRunner

from intertwine.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


# -- 1. show of --partitions-only files ---------------------------------------------------

@pytest.mark.parametrize("spec", ["S(3): V**2 -> V**2", "S(3) x S(2): V[0]*V[1] -> V[0]*V[1]",
                                  "S(4): V + 1 -> V**2"])
@pytest.mark.parametrize("options", [(), ("--element", "1"), ("--random-weights", "3")])
def test_show_draws_a_partitions_only_file_as_its_pattern(tmp_path, spec, options):
    full, labels_only = tmp_path / "full.h5", tmp_path / "labels.h5"
    assert run("basis", spec, "-o", full, "--method", "orbit")[0] == 0
    assert run("basis", spec, "-o", labels_only, "--partitions-only")[0] == 0
    code, drawn = run("show", labels_only, *options)
    assert code == 0, drawn
    assert drawn == run("show", full, *options)[1]


def test_show_of_a_partitions_only_file_draws_a_png(tmp_path):
    path = tmp_path / "labels.h5"
    assert run("basis", "S(3): V**2 -> V", "-o", path, "--partitions-only")[0] == 0
    code, out = run("show", path, "--png", tmp_path / "p.png")
    assert code == 0, out
    assert (tmp_path / "p.png").stat().st_size > 0


def test_show_refuses_a_partitions_only_file_too_large_to_draw(tmp_path):
    path = tmp_path / "labels.h5"
    assert run("basis", "S(1000): V**2 -> V**2", "-o", path, "--partitions-only")[0] == 0
    code, out = run("show", path)
    assert code == 2 and "too large to draw" in out and len(out.splitlines()) <= 4
