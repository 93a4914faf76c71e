"""``intertwine show``: the pictures are checked pixel by pixel, the text character by
character.  Figures are rendered headlessly (Agg, nearest interpolation, no
antialiasing), so every pixel of a matrix has exactly one of the picture's colours."""

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.cli.app import _terminal_mode, cli
from intertwine.show import GALLERY, make_view, render_text
from intertwine.show.figure import _rgb, save_figure
from intertwine.show.layout import boundaries
from intertwine.show.palette import BACKGROUND, diverging, qualitative, separator
from intertwine.spec import parse_rep, parse_spec

GALLERY_DIR = Path(__file__).resolve().parents[1] / "docs" / "gallery"
MAX_BYTES = 200 * 1024


def run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.output


def read_png(path) -> np.ndarray:
    from matplotlib.image import imread

    return np.rint(imread(path)[..., :3] * 255).astype(np.uint8)


def colours(pixels: np.ndarray) -> set:
    return set(map(tuple, np.unique(pixels.reshape(-1, 3), axis=0).tolist()))


def separator_colours(view) -> set:
    depths = set(view.row_bounds.values()) | set(view.col_bounds.values())
    return {separator(d) for d in depths}


# ----------------------------------------------------------------------------- figures

@pytest.mark.parametrize("case", GALLERY, ids=[c.name for c in GALLERY])
def test_gallery_case_renders_exact_colours(case, tmp_path):
    b = intertwine.compute(case.spec)
    view = make_view(b)
    path = tmp_path / f"{case.name}.png"
    info = save_figure(view, path, labels=case.labels)
    image = read_png(path)
    assert image.shape[:2] == info.size
    assert path.stat().st_size < MAX_BYTES
    assert len(info.panels) == len(view.panels)
    vmax = max(float(np.abs(m).max()) for _, m in view.panels)
    for (x0, y0, x1, y1), (_, matrix) in zip(info.panels, view.panels):
        assert (x1 - x0, y1 - y0) == (b.dim_in * info.cell, b.dim_out * info.cell)  # square
        inner = image[y0 + 2:y1 - 2, x0 + 2:x1 - 2]
        if view.kind == "pattern":
            expected = {tuple(c) for c in qualitative(b.n_basis).tolist()}
            assert len(expected) == b.n_basis
            if (matrix < 0).any():
                expected.add(BACKGROUND)
        else:
            expected = {tuple(c) for c in diverging(matrix, vmax).reshape(-1, 3).tolist()}
        assert colours(inner) == expected | separator_colours(view)
        # the centre of every cell has the colour of its entry
        centres = (np.arange(matrix.shape[0]) * info.cell + y0 + info.cell // 2,
                   np.arange(matrix.shape[1]) * info.cell + x0 + info.cell // 2)
        drawn = image[np.ix_(*centres)]
        assert np.array_equal(drawn, _rgb(view, matrix, vmax))


def test_pattern_colour_count_is_the_number_of_parameters(tmp_path):
    view = make_view(intertwine.compute("S(5): V**2 -> V**2"))
    info = save_figure(view, tmp_path / "m.png")
    x0, y0, x1, y1 = info.panels[0]
    found = colours(read_png(tmp_path / "m.png")[y0 + 2:y1 - 2, x0 + 2:x1 - 2])
    assert len(found) == 15 + 1  # 15 parameters, one separator grey, no zero entries


@pytest.mark.parametrize("case", GALLERY, ids=[c.name for c in GALLERY])
def test_committed_gallery_is_complete_and_small(case):
    path = GALLERY_DIR / f"{case.name}.png"
    assert path.is_file(), "run `make gallery`"
    assert path.stat().st_size < MAX_BYTES
    assert read_png(path).shape[2] == 3


def test_element_and_random_weights_figures(tmp_path):
    b = intertwine.compute("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]")
    info = save_figure(make_view(b, element=2), tmp_path / "e.png")
    x0, y0, x1, y1 = info.panels[0]
    found = colours(read_png(tmp_path / "e.png")[y0 + 2:y1 - 2, x0 + 2:x1 - 2])
    assert tuple(qualitative(4)[2]) in found and BACKGROUND in found
    assert not found & {tuple(c) for k, c in enumerate(qualitative(4).tolist()) if k != 2}
    view = make_view(b, seed=7)
    w = np.random.default_rng(7).normal(size=b.n_basis)
    assert np.allclose(view.panels[0][1], b.weights_to_matrix(w))
    assert view.kind == "signed"


def test_png_and_svg_from_the_command_line(tmp_path):
    code, out = run("show", "C(8): V -> V", "--png", str(tmp_path / "c.png"),
                    "--svg", str(tmp_path / "c.svg"))
    assert code == 0 and "8 parameters instead of 8·8 = 64" in out
    assert read_png(tmp_path / "c.png").shape[0] > 100
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "c.svg"]


def test_png_into_missing_folder_is_a_usage_error(tmp_path):
    code, out = run("show", "S(3): V -> V", "--png", str(tmp_path / "no" / "x.png"))
    assert code == 2 and "folder does not exist" in out


def test_interrupted_figure_leaves_the_old_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "x.png"
    target.write_bytes(b"old")

    def interrupted(self, *args, **kw):
        Path(args[0]).write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_figure(make_view(intertwine.compute("S(3): V -> V")), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]


def test_missing_matplotlib_is_a_clean_usage_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out = run("show", "S(3): V -> V", "--png", str(tmp_path / "x.png"))
    assert code == 2
    assert "pip install 'intertwine[plot]'" in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- text

S3_PLAIN = """\
S(3): V -> V: 2 parameters instead of 3*3 = 9
 0 1 1
 1 0 1
 1 1 0
0 = w_0 (3 entries), 1 = w_1 (6 entries)
"""


def test_plain_text_of_deepsets_exactly():
    code, out = run("show", "S(3): V -> V")  # stdout is not a terminal: plain
    assert code == 0 and out == S3_PLAIN


def test_plain_text_shows_block_separators():
    code, out = run("show", "S(2) x S(2): V[0]*V[1] -> V[0]*V[1]", "--plain")
    assert code == 0
    assert out.splitlines()[1:6] == [" 0 1| 2 3", " 1 0| 3 2", "----+----", " 2 3| 0 1",
                                     " 3 2| 1 0"]


def test_signed_plain_text_of_so2():
    code, out = run("show", "SO(2): V -> V")
    assert code == 0
    assert out.splitlines()[1:] == ["B_0:", "  1  .", "  .  1", "B_1:", "  .  1", " -1  .",
                                    "entries are the exact values; . = 0"]


def test_plain_element_and_zero_symbol():
    code, out = run("show", "S(3): V -> V", "--element", "0")
    assert code == 0
    assert out.splitlines()[1:] == [" 0 . .", " . 0 .", " . . 0", "0 = w_0 (3 entries), . = 0"]


def test_random_weights_are_reproducible_and_scaled():
    first = run("show", "S(4): V -> V", "--random-weights", "3")
    assert first == run("show", "S(4): V -> V", "--random-weights", "3")
    rows = first[1].splitlines()[1:5]
    values = [int(v) for row in rows for v in row.split()]
    assert len(values) == 16
    assert max(map(abs, values)) == 9  # the largest weight reaches the end of the scale


def test_colour_output_uses_ansi_and_plain_does_not():
    code, out = run("show", "S(3): V**2 -> V**2", "--color", env={"COLORTERM": "truecolor"})
    assert code == 0 and "\x1b[48;2;" in out and out.count("\x1b[0m") >= 9
    code, out = run("show", "S(3): V**2 -> V**2", "--color", env={"COLORTERM": ""})
    assert code == 0 and "\x1b[48;5;" in out
    assert "\x1b" not in run("show", "S(3): V**2 -> V**2", "--plain")[1]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_mode_respects_no_color(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLORTERM", "truecolor")
    assert _terminal_mode(False, False) == "truecolor"
    monkeypatch.setenv("COLORTERM", "")
    assert _terminal_mode(False, False) == "256"
    monkeypatch.setenv("NO_COLOR", "1")
    assert _terminal_mode(False, False) == "plain"
    assert _terminal_mode(False, True) == "256"  # an explicit --color wins
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.delenv("NO_COLOR")
    assert _terminal_mode(False, False) == "plain"


def test_no_color_in_a_real_process():
    p = subprocess.run([sys.executable, "-m", "intertwine", "show", "S(3): V -> V"],
                       capture_output=True, text=True, timeout=120, env={"NO_COLOR": "1"})
    assert p.returncode == 0 and p.stdout == S3_PLAIN


def test_too_wide_for_the_terminal_is_refused():
    code, out = run("show", "S(30): V -> V", env={"COLUMNS": "40"})
    assert code == 2 and "--png" in out and "--overview" in out
    assert len(out.strip().splitlines()) <= 4
    assert run("show", "S(30): V -> V", env={"COLUMNS": "60"})[0] == 0


def test_terminal_labels_name_rows_and_stack_column_indices():
    code, out = run("show", "S(2) x S(3): V[0]*V[1] -> V[1] + 1", "--labels")
    assert code == 0
    assert out.splitlines()[1:8] == ["   0      1", "   0 1 2  0 1 2", "0  0 1 1| 0 1 1",
                                     "1  1 0 1| 1 0 1", "2  1 1 0| 1 1 0", "  ------+------",
                                     "0  2 2 2| 2 2 2"]


def test_terminal_labels_leave_out_column_indices_that_would_run_together():
    code, out = run("show", "S(12): V -> V", "--labels")
    assert code == 0 and out.splitlines()[1] == " 0  0 1 1 1 1 1 1 1 1 1 1 1"
    assert out.splitlines()[12] == "11  1 1 1 1 1 1 1 1 1 1 1 0"


def test_signed_plain_text_keeps_negative_numbers_apart():
    code, out = run("show", "S(3): V**2 -> det")
    assert code == 0 and out.splitlines()[1] == "  .  1 -1| -1  .  1|  1 -1  ."
    assert "the basis element B_0; 1 parameter" in out.splitlines()[0]


HARTFORD_OVERVIEW = """\
S(3) x S(8): V[0]*V[1] -> V[0]*V[1]: 4 parameters instead of 24*24 = 576
overview: 3 x 3 blocks of 8 x 8 entries (the full picture needs 50 columns)
    0,* 1,* 2,*
0,*   A   B   B
1,*   B   A   B
2,*   B   B   A
A = 2 parameters: w_0, w_1
B = 2 parameters: w_2, w_3
"""

DEEPSETS_OVERVIEW = """\
S(12): V -> V: 2 parameters instead of 12*12 = 144
overview: 3 x 3 blocks of 4 x 4 entries (the full picture needs 24 columns)
      0-3  4-7 8-11
 0-3    A   w1   w1
 4-7   w1    A   w1
8-11   w1   w1    A
A = 2 parameters: w_0, w_1
w1 = every entry is w_1
"""


def test_overview_one_cell_per_block_of_the_first_tensor_index():
    args = ("show", "S(3) x S(8): V[0]*V[1] -> V[0]*V[1]", "--overview")
    assert run(*args, env={"COLUMNS": "40"}) == (0, HARTFORD_OVERVIEW)
    code, out = run(*args, env={"COLUMNS": "50"})  # it fits: the full picture
    assert code == 0 and not out.splitlines()[1].startswith("overview")


def test_overview_of_an_axis_without_structure_uses_index_ranges():
    assert run("show", "S(12): V -> V", "--overview", env={"COLUMNS": "20"}) == \
        (0, DEEPSETS_OVERVIEW)


def test_overview_separates_summands_and_marks_zero_blocks():
    code, out = run("show", "S(6): V**2 + V -> V**2 + 1", "--overview", "--element", "0",
                    env={"COLUMNS": "40"})
    lines = out.splitlines()
    assert code == 0 and lines[1].startswith("overview: ")
    assert any(set(line.strip()) <= set("-+") for line in lines)  # the summand boundary
    assert ". = every entry is 0" in lines


@settings(max_examples=25, deadline=None)
@given(spec=st.sampled_from(["S(5): V**3 -> V**3", "S(40): V -> V", "C(8): V**2 -> V**2",
                             "S(4) x S(9): V[0]*V[1] -> V[1]", "S(6): V**2 + V -> V",
                             "O(3): V**3 -> V**3"]),
       width=st.integers(12, 70), mode=st.sampled_from(["plain", "256"]))
def test_overview_fits_the_terminal_and_names_every_block(spec, width, mode):
    from intertwine.show.overview import render_overview

    view = make_view(_computed(spec))
    text = re.sub(r"\x1b\[[0-9;]*m", "", render_overview(view, mode, width))
    lines = text.splitlines()[2:]
    legend = next(i for i, line in enumerate(lines) if re.match(r"(\S+ = |every |a num)", line))
    blocks = lines[0].split()
    assert all(len(line) <= width for line in lines[:legend]) or len(blocks) == 1
    if view.kind == "pattern":
        assert f"w_{view.n_basis - 1}" in text  # the last parameter is accounted for


_CACHE = {}


def _computed(spec):
    if spec not in _CACHE:
        _CACHE[spec] = intertwine.compute(spec)
    return _CACHE[spec]


def test_many_parameters_get_two_character_symbols():
    view = make_view(intertwine.compute("S(5): V**3 -> V**2"))
    text = render_text(view, "plain")
    assert view.n_basis == 52 and " z" in text  # single characters while they last
    view = make_view(intertwine.compute("S(4): V**3 -> V**3"))
    legend = render_text(view, "plain").split("\n00 = w_0 ", 1)
    assert view.n_basis > 76 and len(legend) == 2 and "30 = w_186" in legend[1]


# ----------------------------------------------------------------------------- inputs

def test_basis_file_argument(tmp_path):
    path = tmp_path / "m.h5"
    intertwine.compute("S(3): V -> V").save(path)
    assert run("show", str(path)) == (0, S3_PLAIN)


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file" * 10])
def test_corrupt_file_is_a_usage_error(tmp_path, content):
    path = tmp_path / "bad.h5"
    path.write_bytes(content)
    p = subprocess.run([sys.executable, "-m", "intertwine", "show", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and p.stdout == ""
    assert 1 <= len(p.stderr.strip().splitlines()) <= 4


@pytest.mark.parametrize("args", [
    ["S(3: V -> V"], ["missing.h5"], ["S(3): V -> V", "--element", "2"],
    ["S(3): V -> V", "--element", "0", "--random-weights", "1"],
    ["S(3): V -> V", "--plain", "--color"],
])
def test_usage_errors_exit_2(args):
    assert run("show", *args)[0] == 2


# ----------------------------------------------------------------------------- layout

@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 6), k=st.integers(1, 4))
def test_tensor_power_boundaries_nest(n, k):
    g = parse_spec(f"S({n}): V -> V").group
    found = boundaries(parse_rep(f"V**{k}", g), g)
    expected = {}
    for p in range(n, n ** k, n):
        j = max(i for i in range(k) if p % n ** i == 0)
        expected[p] = k - 1 - j
    assert found == expected


@settings(max_examples=30, deadline=None)
@given(dims=st.lists(st.integers(1, 4), min_size=1, max_size=3), extra=st.integers(1, 3))
def test_sum_boundary_between_summands(dims, extra):
    group = parse_spec(" x ".join(f"S({d})" for d in dims) + ": 1 -> 1").group
    product = "*".join(f"V[{i}]" for i in range(len(dims)))
    found = boundaries(parse_rep(f"{product} + {extra}*1", group), group)
    size = int(np.prod(dims))
    if size > 1:  # (between two blocks of size 1 no line is drawn)
        assert found.get(size) == 0
    assert all(0 < p < size + extra for p in found)
