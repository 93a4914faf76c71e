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


# -- 4. huge integers -------------------------------------------------------------------

HUGE = 10**30


@pytest.mark.parametrize("spec,expected", [
    # orbits of <(0 1)> on pairs of n points: (n**2 + (n - 2)**2) / 2
    (f"Perm({HUGE}; (0 1)): V -> V", (HUGE**2 + (HUGE - 2)**2) // 2),
    # orbits of <(0 1 2)> on pairs: (n**2 + 2 (n - 3)**2) / 3
    (f"Perm({HUGE}; (0 1 2)): V**2 -> 1", (HUGE**2 + 2 * (HUGE - 3)**2) // 3),
    # C(4) turns a grid of even side k fixing no pixel: k**2 / 4 orbits
    (f"C(4): 1 -> Grid({HUGE})", HUGE**2 // 4),
    # D(4): turns fix no pixel of an even grid, the two diagonal mirrors k pixels each
    (f"D(4): 1 -> Grid({HUGE})", (HUGE**2 + 2 * HUGE) // 8),
])
def test_dim_of_huge_permutation_and_grid_specs_answers(spec, expected):
    code, out = run("dim", spec)
    assert code == 0, out
    assert int(out.split()[-1]) == expected


@pytest.mark.parametrize("spec", [f"Perm({HUGE}; (0 1)): V -> V", f"C(4): 1 -> Grid({HUGE})"])
def test_basis_of_huge_permutation_and_grid_specs_is_a_size_error(tmp_path, spec):
    code, out = run("basis", spec, "-o", tmp_path / "b.h5")
    assert code == 2 and "too large" in out
    assert list(tmp_path.iterdir()) == []


def test_regular_representation_of_a_large_cyclic_group_builds_no_table():
    import intertwine
    from intertwine.elements import MAX_TABLE_ENTRIES, element_table
    from intertwine.problem import TooLarge
    from intertwine.spec import parse_group

    b = intertwine.compute("C(1000000): reg -> 1")  # was 7.28 TiB for the element table
    assert b.n_basis == 1 == intertwine.dim("C(1000000): reg -> 1")
    assert (b.dense()[0] == 1).all()
    with pytest.raises(TooLarge, match="too large to list"):
        element_table(parse_group(f"C({int(MAX_TABLE_ENTRIES**0.5) + 1})").factors[0])


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_regular_shifts_of_cyclic_groups_agree_with_the_element_table(n):
    from intertwine.elements import element_table, faithful_generators
    from intertwine.reps.reg import Regular
    from intertwine.spec import parse_group

    factor = parse_group(f"C({n})").factors[0]
    table = element_table(factor)
    expected = [table.regular(g) for g in faithful_generators(factor)]
    got = [perm for perm, _ in Regular().signed_generators(factor)]
    assert len(got) == len(expected)
    assert all((a == b).all() for a, b in zip(got, expected, strict=True))


# -- 6. --shard -------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1/" + "9" * 5000, "9" * 5000 + "/1", "١/٢", "1/２",
                                   "1/" + "0" * 30 + "2", "1\x1b[2J/2"])
def test_a_shard_beyond_ascii_digits_or_a_sane_length_is_the_shard_usage_error(tmp_path,
                                                                                 value):
    from .test_batch import batch, good_manifest

    code, _, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                            "--shard", value)
    assert code == 2, stderr
    assert "--shard" in stderr and "expected I/N" in stderr and "4300" not in stderr
    assert len(stderr.strip().splitlines()) <= 4 and len(stderr) < 300
    assert "\x1b" not in stderr
    assert not (tmp_path / "out").exists()


def test_a_shard_with_spaces_and_leading_zeros_still_works(tmp_path):
    from .test_batch import batch, good_manifest

    code, stdout, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                                 "--shard", " 01 / 1 ", "--jobs", 1)
    assert code == 0, stderr


# -- 8. a spec attribute that is not UTF-8; control characters in messages ---------------

def _spec_not_utf8(path):
    import h5py

    import intertwine

    intertwine.compute("S(3): V -> V").save(path)
    with h5py.File(path, "r+") as f:  # a variable-length "UTF-8" string holding byte 0xff
        f.attrs.create("spec", b"S(3): V -> V\xff", dtype=h5py.string_dtype("utf-8"))
    return path


@pytest.mark.parametrize("command", [("info",), ("info", "--json"), ("show",), ("verify",)])
def test_a_spec_attribute_that_is_not_utf8_is_a_usage_error(tmp_path, command):
    path = _spec_not_utf8(tmp_path / "bad.h5")
    code, out = run(*command, path)
    assert code == 2, out
    assert "spec is not a UTF-8 string" in out and len(out.strip().splitlines()) <= 4


def test_load_refuses_a_spec_attribute_that_is_not_utf8(tmp_path):
    import intertwine

    with pytest.raises(ValueError, match="spec is not a UTF-8 string"):
        intertwine.load(_spec_not_utf8(tmp_path / "bad.h5"))


@pytest.mark.parametrize("spec", ["S(3): V -> V\x07\x08", "S(\x1b3): V -> V",
                                  "S(3): V\x1b[2J -> V", "S(3): V -> V\x9b31m"])
@pytest.mark.parametrize("command", ["dim", "basis"])
def test_error_messages_escape_the_control_characters_of_a_spec(tmp_path, spec, command):
    import subprocess
    import sys

    args = [sys.executable, "-m", "intertwine", command, spec]
    if command == "basis":
        args += ["-o", str(tmp_path / "b.h5")]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert all(c.isprintable() for line in p.stderr.splitlines() for c in line), p.stderr
    lines = p.stderr.splitlines()
    caret = [line for line in lines if line.strip() == "^"]
    if caret:  # the caret stands under the escaped character
        shown = lines[lines.index(caret[0]) - 1]
        assert shown[caret[0].index("^")] == "\\"
