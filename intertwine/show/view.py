"""What to draw: the matrices of one basis, whatever its encoding, with the axes' structure.

Two kinds of picture cover every basis:

- ``pattern``: the elements are 0/1 matrices with disjoint supports (every orbit basis
  of a permutation representation, and some exact ones).  One matrix of labels
  (``k`` where ``B_k`` is 1, -1 where every element is 0) shows W = sum_k w_k B_k
  with one colour per parameter.
- ``signed``: anything else (signed elements, overlapping supports, numeric values),
  and one random W.  The elements cannot share one picture, so each gets a panel of
  its own, drawn with a diverging map.

>>> v = make_view(__import__("intertwine").compute("S(3): V -> V"))
>>> v.kind, v.panels[0][1].tolist()
('pattern', [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..basis import Basis
from ..spec import Spec, SpecError
from .layout import boundaries, coordinate_labels

__all__ = ["View", "make_view", "read_target"]

#: small multiples beyond this many elements are left out (the title says so)
MAX_PANELS = 48
#: pattern files with more entries are not loaded but read in bands (``BandedLabels``)
BANDED_ENTRIES = 1 << 24
#: ... and drawn only with at most this many parameters (each block's set is kept)
BANDED_LABELS = 4096


@dataclass
class View:
    spec: str
    kind: str  # "pattern" or "signed"
    n_basis: int
    dim_out: int
    dim_in: int
    #: (name, matrix): labels (int, -1 = zero) for patterns, floats for signed views
    panels: list[tuple[str, np.ndarray]]
    subtitle: str
    row_bounds: dict[int, int] = field(default_factory=dict)
    col_bounds: dict[int, int] = field(default_factory=dict)
    rep_out: str = ""
    rep_in: str = ""
    spec_ok: bool = False  # the spec parsed and matches the shape: labels are available
    omitted: int = 0  # elements not drawn (beyond MAX_PANELS)
    parsed: Spec | None = field(default=None, repr=False)  # the basis's parsed spec
    #: names of the rows and columns where they are not the spec's coordinates (kernels)
    names: tuple[list[str], list[str]] | None = None

    def labels(self) -> tuple[list[str], list[str]]:
        """Tensor-index names of the rows and the columns."""
        if self.names is not None:
            return self.names
        if not self.spec_ok:
            return ([str(i) for i in range(self.dim_out)], [str(j) for j in range(self.dim_in)])
        s = self.parsed
        return coordinate_labels(s.rep_out, s.group), coordinate_labels(s.rep_in, s.group)


def read_target(target: str, method: str = "auto") -> Basis:
    """A basis file if ``target`` names an existing file (or ends in .h5), else a spec."""
    from ..api import compute
    from ..io import load

    if os.path.isfile(target) or target.lower().endswith((".h5", ".hdf5")):
        from ..budget import max_bytes
        from ..io import PatternFile, read_attributes

        a = read_attributes(target)
        entries = a["dim_in"] * a["dim_out"]  # drawn whole as int64 labels, and more
        if a["encoding"] == "partitions" and entries > min(BANDED_ENTRIES, max_bytes() // 64):
            # the labels are expanded whole into the pattern (no bands to read)
            raise ValueError(f"{target}: {a['dim_out']}x{a['dim_in']} is too large to draw "
                             f"from its partition labels (at most {BANDED_ENTRIES} entries)")
        if a["encoding"] != "pattern" or entries <= min(BANDED_ENTRIES, max_bytes() // 64):
            return load(target)
        if a["encoding"] == "pattern" and a["n_basis"] > BANDED_LABELS:
            raise ValueError(f"{target}: {a['dim_out']}x{a['dim_in']} with {a['n_basis']} "
                             "parameters is too large to draw (a block overview lists at most "
                             f"{BANDED_LABELS} parameters per block)")
        source = PatternFile(target)  # kept open while the picture is drawn
        return Basis(spec=a["spec"], group=a["group"], rep_in=a["rep_in"],
                     rep_out=a["rep_out"], dim_in=a["dim_in"], dim_out=a["dim_out"],
                     n_basis=a["n_basis"], method=a["method"], exact=a["exact"],
                     pattern=BandedLabels(source), generators=source.generators)
    return compute(target, method)


def distinct(a: np.ndarray) -> np.ndarray:
    """np.unique(a), sorted; by sorting for wide integers, where numpy 2's np.unique
    is slow (6 s for 2 million int32 against 0.2 s)."""
    if a.dtype.itemsize <= 2:
        return np.unique(a)
    v = np.sort(a, axis=None)
    return v[np.concatenate(([True], v[1:] != v[:-1]))] if v.size else v


class BandedLabels:
    """The label matrix of a pattern file too large to hold, read in bands on demand:
    all that a block overview needs is which labels each block holds."""

    def __init__(self, source, band_entries: int = 1 << 22):
        self.source, self.band_entries = source, band_entries
        self.shape = (source.dim_out, source.dim_in)

    def block_values(self, row_edges, col_edges) -> list[list[np.ndarray]]:
        """The distinct labels of every block (row_edges x col_edges), in one pass."""
        row_edges, col_edges = np.asarray(row_edges), np.asarray(col_edges)
        values = [[np.zeros(0, np.int64) for _ in col_edges[1:]] for _ in row_edges[1:]]
        for r, c, block in self.source.blocks(self.band_entries):
            r1, c1 = r + block.shape[0], c + block.shape[1]
            for i in range(np.searchsorted(row_edges, r, "right") - 1, len(row_edges) - 1):
                if row_edges[i] >= r1:
                    break
                rows = block[max(row_edges[i], r) - r:min(row_edges[i + 1], r1) - r]
                for j in range(np.searchsorted(col_edges, c, "right") - 1, len(col_edges) - 1):
                    if col_edges[j] >= c1:
                        break
                    part = rows[:, max(col_edges[j], c) - c:min(col_edges[j + 1], c1) - c]
                    values[i][j] = distinct(np.concatenate((values[i][j], part.ravel())))
        return values


def make_view(b: Basis, element: int | None = None, seed: int | None = None) -> View:
    """The picture of ``b``: all of it, one element, or one random W (seed)."""
    if element is not None and seed is not None:
        raise ValueError("choose one of --element and --random-weights")
    if element is not None and not 0 <= element < b.n_basis:
        raise ValueError(f"--element {element}: the basis has elements 0..{b.n_basis - 1}")
    if isinstance(b.pattern, BandedLabels) and (element is not None or seed is not None):
        raise ValueError(f"{b.dim_out}x{b.dim_in} is too large to draw one element or "
                         "random weights; its overview is drawn with --overview")
    labels = pattern_labels(b)
    parameters = f"{b.n_basis} parameters instead of {b.dim_out}·{b.dim_in} = " \
                 f"{b.dim_out * b.dim_in}"
    if b.n_basis == 1:
        parameters = parameters.replace("parameters", "parameter", 1)
    omitted = 0
    if seed is not None:
        w = np.random.default_rng(seed).normal(size=b.n_basis)
        panels = [("W", np.asarray(b.weights_to_matrix(w), float))]
        kind, subtitle = "signed", f"random W = Σ w_k B_k (seed {seed}); {parameters}"
    elif element is not None and labels is not None:
        panels = [(f"B_{element}", np.where(labels == element, element, -1))]
        kind, subtitle = "pattern", f"element B_{element} of {b.n_basis}"
    elif element is not None:
        panels = [(f"B_{element}", _element(b, element))]
        kind, subtitle = "signed", f"element B_{element} of {b.n_basis}"
    elif labels is not None:
        panels, kind, subtitle = [("W", labels)], "pattern", parameters
    else:
        shown = min(b.n_basis, MAX_PANELS)
        omitted = b.n_basis - shown
        panels = [(f"B_{k}", _element(b, k)) for k in range(shown)]
        kind = "signed"
        shown_as = "the basis element B_0" if b.n_basis == 1 else "basis elements B_k"
        subtitle = f"{shown_as}; {parameters}"
    view = View(spec=b.spec, kind=kind, n_basis=b.n_basis, dim_out=b.dim_out,
                dim_in=b.dim_in, panels=panels, subtitle=subtitle, rep_out=b.rep_out,
                rep_in=b.rep_in, omitted=omitted)
    _add_structure(view, b)
    return view


def pattern_labels(b: Basis) -> np.ndarray | None:
    """The label matrix if every element is 0/1 and no two share an entry, else None."""
    if isinstance(b.pattern, BandedLabels):
        return b.pattern
    if b.pattern is not None:
        return np.asarray(b.pattern, np.int64)
    if b.coo is None:  # encoding "partitions": the labels give the pattern
        return np.asarray(b._pattern(), np.int64)
    c = b.coo
    if not np.all(c.value == 1):
        return None
    flat = np.asarray(c.row, np.int64) * b.dim_in + np.asarray(c.col, np.int64)
    if len(np.unique(flat)) != len(flat):
        return None
    labels = np.full(b.dim_out * b.dim_in, -1, np.int64)
    labels[flat] = c.index
    return labels.reshape(b.dim_out, b.dim_in)


def _element(b: Basis, k: int) -> np.ndarray:
    c = b.entries()
    mine = np.asarray(c.index) == k
    out = np.zeros((b.dim_out, b.dim_in), float)
    out[np.asarray(c.row)[mine], np.asarray(c.col)[mine]] = np.asarray(c.value)[mine]
    return out


def _add_structure(view: View, b: Basis) -> None:
    """Block boundaries from the spec, if it parses and matches the matrix shape."""
    try:
        s = b.parsed_spec
    except SpecError:  # a file from another writer: draw it without structure
        return
    if (s.rep_out.dimension(s.group), s.rep_in.dimension(s.group)) != \
            (view.dim_out, view.dim_in):
        return
    view.row_bounds = boundaries(s.rep_out, s.group)
    view.col_bounds = boundaries(s.rep_in, s.group)
    view.spec_ok = True
    view.parsed = s
