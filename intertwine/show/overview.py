"""A block overview of a matrix too wide for the terminal: one cell per block.

``S(8): V**4 -> V**4`` is 4096 x 4096; no terminal shows it entry by entry, but its
outermost tensor structure (8 x 8 blocks of 512 x 512, one per value of the first
index on each side) fits easily.  The overview picks, for each axis, the finest level
of the block structure (see ``layout``) that fits the terminal, and falls back to equal
index ranges when the axis has no structure that fits (``S(200): V -> V``).

What a cell can say about thousands of entries: a block whose entries are all one
parameter is drawn as that parameter (its colour, or ``w3`` in plain text); a block of
zeros as ``.``; any other block gets a letter, the same letter for every block holding
the same *set* of parameters (the diagonal blocks of DeepSets or Hartford's layer
share one letter, the off-diagonal ones another), and the legend says what each letter
holds.  Signed pictures (continuous groups, random weights) give the same letter to
blocks with the same entries.

>>> import intertwine
>>> from intertwine.show.view import make_view
>>> print(render_overview(make_view(intertwine.compute("S(12): V -> V")), "plain", 20))
S(12): V -> V: 2 parameters instead of 12*12 = 144
overview: 3 x 3 blocks of 4 x 4 entries
      0-3  4-7 8-11
 0-3    A   w1   w1
 4-7   w1    A   w1
8-11   w1   w1    A
A = 2 parameters: w_0, w_1
w1 = every entry is w_1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .palette import qualitative
from .terminal import swatches, wrap
from .view import View

__all__ = ["render_overview"]

_RESET = "\x1b[0m"
_KIND_NAMES = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + \
              [chr(c) for c in range(ord("a"), ord("z") + 1)]


@dataclass
class _Axis:
    """How one axis is cut: block edges (k+1 positions), a name per block, and the
    blocks that start at a summand or first-index boundary (a line is drawn there)."""

    edges: np.ndarray
    names: list[str]
    lines: dict[int, int]

    @property
    def count(self) -> int:
        return len(self.edges) - 1


def render_overview(view: View, mode: str, width: int, needed: int | None = None) -> str:
    """The overview as one string; ``needed`` (the full picture's width) goes in the header."""
    row_names, col_names = view.labels()
    cells = _Cells(view, mode)
    for cols in _cuts(view.dim_in, view.col_bounds, col_names, width):
        rows = _rows_for(view, row_names, cols.count)
        if _width(rows, cols, cells.text_width) <= width:
            break
    summary = f"overview: {rows.count} x {cols.count} block{'s' if cols.count > 1 else ''}"
    if _size(rows.edges) and _size(cols.edges):
        summary += f" of {_size(rows.edges)} x {_size(cols.edges)} entries"
    if needed:
        summary += f" (the full picture needs {needed} columns)"
    head = f"{view.spec}: {view.subtitle}"
    out = [head.replace("·", "*").replace("Σ", "sum") if mode == "plain" else head, summary]
    for k, (name, _) in enumerate(view.panels):
        if len(view.panels) > 1:
            out.append(f"{name}:")
        out += _grid(rows, cols, cells, cells.table(rows, cols, k))
    if view.omitted:
        out.append(f"({view.omitted} more elements not shown; use --element K)")
    out += cells.legend(width)
    return "\n".join(out)


def _width(rows: _Axis, cols: _Axis, text_width: int) -> int:
    return max(map(len, rows.names)) + cols.count * _cell_width(cols, text_width) + \
        len(cols.lines)


def _cell_width(cols: _Axis, text_width: int) -> int:
    return max(text_width, max(map(len, cols.names))) + 1


def _size(edges: np.ndarray) -> int:
    """The common block size, or 0 if the blocks differ in size."""
    sizes = np.unique(np.diff(edges))
    return int(sizes[0]) if len(sizes) == 1 else 0


# ----------------------------------------------------------------------------- axes

def _cuts(n: int, bounds: dict[int, int], names: list[str], width: int):
    """Ways to cut an axis of length ``n`` into at most ``width // 2`` blocks, finest
    first: the blocks of each level of the structure (every entry being the finest
    level), and runs of g consecutive blocks of a level that stay inside one block of
    the level above ("0-2,*" for three blocks of the first index)."""
    finest = max(bounds.values(), default=-1) + 1
    depth = np.full(n + 1, finest, np.int64)  # entry level: a boundary at every position
    depth[list(bounds)] = list(bounds.values())
    depth[[0, n]] = -1
    budget = max(1, width // 2)
    seen, found = set(), []
    for level in range(finest + 1):  # coarsest first: equal edges keep the coarse names
        units = np.flatnonzero(depth <= level)
        parents = depth[units] < level  # a unit starting here starts a new parent block
        unit_names = [_pattern(names[s:e]) for s, e in zip(units[:-1], units[1:])]
        sizes = np.diff(np.append(np.flatnonzero(parents[:-1]), len(units) - 1))
        for g in range(1, int(sizes.max()) + 1):
            if not np.all((sizes % g == 0) | (sizes <= g)):
                continue  # uneven runs ("0-2", "3-4") read worse than a coarser level
            if np.ceil(sizes / g).sum() > budget:
                continue
            edges = _grouped(units, parents, g)
            if 1 < len(edges) - 1 <= budget and tuple(edges) not in seen:
                seen.add(tuple(edges))
                found.append((edges, level, unit_names, units))
    found.sort(key=lambda f: -len(f[0]))
    for edges, level, unit_names, units in found:
        yield _axis(edges, bounds, names, level, unit_names, units)
    for count in range(min(n, budget), 0, -1):  # no even cut fits: equal index ranges
        yield _ranges(n, count)


def _rows_for(view: View, names: list[str], budget: int) -> _Axis:
    """The finest cut of the rows into at most as many blocks as the columns have, so
    that the overview stays roughly square."""
    for rows in _cuts(view.dim_out, view.row_bounds, names, 2 * budget):
        if rows.count <= budget:
            return rows
    return _ranges(view.dim_out, 1)


def _grouped(units: np.ndarray, parents: np.ndarray, g: int) -> np.ndarray:
    """Edges of runs of ``g`` units, a new run also at each parent boundary."""
    run = np.cumsum(parents[:-1]) - 1  # parent block of each unit
    first = np.flatnonzero(parents[:-1])
    position = np.arange(len(units) - 1) - first[run]  # index of the unit in its parent
    starts = units[:-1][position % g == 0]
    return np.append(starts, units[-1])


def _axis(edges, bounds, names, level, unit_names, units) -> _Axis:
    blocks = None
    if unit_names is not None:
        index = np.searchsorted(units, edges)
        blocks = [_merge(unit_names[i], unit_names[j - 1]) if j - i > 1 else unit_names[i]
                  for i, j in zip(index[:-1], index[1:])]
    if blocks is None or None in blocks or len(set(blocks)) < len(blocks):
        blocks = _range_names(edges)  # ambiguous (V + V) or unnamed: index ranges
    # only the coarsest boundaries (summands, first index): the names show the rest
    lines = {i: 0 for i, s in enumerate(edges[1:-1].tolist(), start=1)
             if bounds.get(s) == 0 and level > 0}
    return _Axis(edges, blocks, lines)


def _ranges(n: int, count: int) -> _Axis:
    edges = np.unique(np.linspace(0, n, count + 1).round().astype(int))
    return _Axis(edges, _range_names(edges), {})


def _range_names(edges: np.ndarray) -> list[str]:
    return [str(s) if e - s == 1 else f"{s}-{e - 1}"
            for s, e in zip(edges[:-1].tolist(), edges[1:].tolist())]


def _pattern(names: list[str]) -> str | None:
    """``3,*,*`` for a block whose tensor indices all start with 3, None if the
    coordinates do not all have the same number of indices."""
    if len(names) == 1:
        return names[0]
    split = [n.split(",") for n in names]
    width = len(split[0])
    if any(len(s) != width for s in split):
        return None
    fixed = 0
    while fixed < width and all(s[fixed] == split[0][fixed] for s in split):
        fixed += 1
    return ",".join(split[0][:fixed] + ["*"] * (width - fixed))


def _merge(first: str | None, last: str | None) -> str | None:
    """``0-2,*`` from ``0,*`` and ``2,*``: consecutive blocks differ in one index."""
    if first is None or last is None:
        return None
    a, b = first.split(","), last.split(",")
    differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(a) != len(b) or len(differ) != 1 or not (a[differ[0]].isdigit()
                                                     and b[differ[0]].isdigit()):
        return None
    a[differ[0]] += "-" + b[differ[0]]
    return ",".join(a)


# ----------------------------------------------------------------------------- cells

class _Cells:
    """What each block says, and the legend; letters are shared by all panels.

    A cell is kept as a tag until it is drawn: ("zero",), ("const", k) or ("kind", i).
    """

    def __init__(self, view: View, mode: str):
        self.view, self.mode = view, mode
        self.kinds: dict = {}  # key -> index, in order of first appearance
        self.constants: set[int] = set()
        self.zeros = False
        self.styles = _styles(qualitative(view.n_basis), mode) \
            if view.kind == "pattern" and mode != "plain" else []
        if view.kind == "pattern":
            self.text_width = max(2, len(str(view.n_basis)),
                                  len(f"w{view.n_basis - 1}") if mode == "plain" else 0)
        else:
            self.text_width = max(2, len(str(max(view.dim_out, view.dim_in) ** 2)))

    @property
    def counts(self) -> bool:
        """Too many kinds of block for letters: cells show how many parameters instead."""
        return self.view.kind == "pattern" and len(self.kinds) > len(_KIND_NAMES)

    def table(self, rows: _Axis, cols: _Axis, panel: int = 0) -> list[list[tuple]]:
        matrix = self.view.panels[panel][1]
        return [[self._tag(matrix[r0:r1, c0:c1])
                 for c0, c1 in zip(cols.edges[:-1].tolist(), cols.edges[1:].tolist())]
                for r0, r1 in zip(rows.edges[:-1].tolist(), rows.edges[1:].tolist())]

    def _tag(self, block: np.ndarray) -> tuple:
        if self.view.kind == "pattern":
            values = np.unique(block)
            if values.size == 1 and values[0] < 0:
                self.zeros = True
                return ("zero",)
            if values.size == 1:
                self.constants.add(int(values[0]))
                return ("const", int(values[0]))
            key = tuple(values.tolist())
        else:
            nonzero = int(np.count_nonzero(block))
            self.zeros |= nonzero == 0
            return ("nonzero", nonzero) if nonzero else ("zero",)
        return ("kind", self.kinds.setdefault(key, len(self.kinds)))

    def draw(self, tag: tuple, width: int) -> str:
        """The cell, ``width`` characters wide (plus colour codes)."""
        if tag[0] == "zero":
            return ".".rjust(width)
        if tag[0] == "const" and self.mode != "plain":
            return " " + self.styles[tag[1]] + " " * (width - 1) + _RESET
        if tag[0] == "const":
            return f"w{tag[1]}".rjust(width)
        if tag[0] == "nonzero":
            return str(tag[1]).rjust(width)
        if self.counts:
            key = next(k for k, i in self.kinds.items() if i == tag[1])
            return str(sum(1 for v in key if v >= 0)).rjust(width)
        return _name(tag[1]).rjust(width)

    def legend(self, width: int) -> list[str]:
        ordered = [key for key, _ in sorted(self.kinds.items(), key=lambda kv: kv[1])]
        if self.counts:
            lines = ["a number = how many distinct parameters the block holds"]
        elif self.view.kind == "pattern":
            lines = [f"{_name(i)} = {_describe_set(key)}" for i, key in enumerate(ordered)]
        else:
            lines = ["a number = how many entries of the block are not 0"]
        ks = sorted(self.constants)
        if ks and self.mode == "plain":
            lines.append(f"w{ks[0]} = every entry is w_{ks[0]}" if len(ks) == 1 else
                         "wK = every entry of the block is w_K")
        elif ks:
            items = [f"{self.styles[k]}  {_RESET} w_{k}" for k in ks]
            lines += wrap(["every entry is"] + items,
                           [14] + [len(f"w_{k}") + 3 for k in ks], width, sep="  ")
        if self.zeros:
            lines.append(". = every entry is 0")
        return lines


def _name(index: int) -> str:
    return _KIND_NAMES[index] if index < len(_KIND_NAMES) else f"#{index}"


def _describe_set(key: tuple) -> str:
    params = [v for v in key if v >= 0]
    zeros = " and zeros" if len(params) < len(key) else ""
    names = [f"w_{k}" for k in params]
    listing = ", ".join(names) if len(names) <= 6 else \
        ", ".join(names[:3]) + ", ..., " + names[-1]
    s = "" if len(params) == 1 else "s"
    return f"{len(params)} parameter{s}{zeros}: {listing}"


def _styles(rgbs: np.ndarray, mode: str) -> list[str]:
    return swatches(rgbs, mode)


# ----------------------------------------------------------------------------- grid

def _grid(rows: _Axis, cols: _Axis, cells: _Cells, table: list[list[tuple]]) -> list[str]:
    plain = cells.mode == "plain"
    vbar, hbar, cross = ("|", "-", "+") if plain else ("│", "─", "┼")
    cw = _cell_width(cols, cells.text_width)
    rw = max(map(len, rows.names))
    header = " " * rw + "".join((" " if j in cols.lines else "") + name.rjust(cw)
                                for j, name in enumerate(cols.names))
    rule = " " * rw + "".join((cross if j in cols.lines else "") + hbar * cw
                              for j in range(cols.count))
    lines = [header.rstrip()]
    for i, (name, row) in enumerate(zip(rows.names, table)):
        if i in rows.lines:
            lines.append(rule)
        lines.append(name.rjust(rw) + "".join((vbar if j in cols.lines else "")
                                              + cells.draw(tag, cw)
                                              for j, tag in enumerate(row)))
    return lines
