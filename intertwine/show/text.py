"""The weight-sharing pattern as text: coloured cells in a terminal, symbols elsewhere.

Each matrix entry is one cell two characters wide (a terminal character is about
half as wide as it is tall, so two make a square).  Block boundaries of the tensor
and sum structure are drawn as thin lines between cells.  Three modes:

- ``truecolor`` / ``256``: background-coloured cells (24-bit colour when the terminal
  announces it in ``COLORTERM``, else the xterm 256-colour palette);
- ``plain``: ASCII only, for pipes, files and ``NO_COLOR``: one symbol per parameter
  (``0-9a-zA-Z`` and then punctuation, then two-character codes) and a legend.

Signed pictures (elements that are not 0/1 patterns, random weights) show exact small
integers as numbers and other values scaled to -9..9, so sign and size stay readable.

>>> import intertwine
>>> from intertwine.show.view import make_view
>>> print(render_text(make_view(intertwine.compute("S(2): V -> V")), "plain"))
S(2): V -> V: 2 parameters instead of 2*2 = 4
 0 1
 1 0
0 = w_0 (2 entries), 1 = w_1 (2 entries)
"""

from __future__ import annotations

import numpy as np

from .palette import diverging, qualitative
from .terminal import swatches as _swatches
from .terminal import wrap as _wrap
from .view import View

__all__ = ["MODES", "TooWide", "render_text", "symbols"]

MODES = ("plain", "256", "truecolor")
_SYMBOLS = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "!#$%&*/<=>?@^~")
_DIGITS = _SYMBOLS[:62]
_RESET = "\x1b[0m"
_LINES = {"plain": ("|", "-", "+", "|", "-"), "colour": ("│", "─", "┼", "┊", "┈")}


class TooWide(ValueError):
    """The picture needs more columns than the terminal has."""

    def __init__(self, needed: int, available: int):
        super().__init__(f"the matrix needs {needed} columns, the terminal has {available}; "
                         "use --overview for one cell per block, or --png FILE")
        self.needed, self.available = needed, available


def symbols(n: int) -> list[str]:
    """One plain-text symbol per parameter: single characters while they last."""
    if n <= len(_SYMBOLS):
        return list(_SYMBOLS[:n])
    return [_DIGITS[k // 62 % 62] + _DIGITS[k % 62] if k < 62 * 62 else "##"
            for k in range(n)]


def render_text(view: View, mode: str = "plain", width: int | None = None,
                overview: bool = False, labels: bool = False) -> str:
    """The whole picture as one string (no trailing newline); ``width`` limits the columns.

    A picture wider than ``width`` is refused (TooWide), or drawn as a block overview
    (see ``overview``) if ``overview`` is true.  ``labels`` writes the tensor indices
    of the rows at the left and, where they fit, those of the columns on top.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    plain = mode == "plain"
    cells = _PatternCells(view, mode) if view.kind == "pattern" else _SignedCells(view, mode)
    row_names, col_names = view.labels() if labels else ([], [])
    margin = max(map(len, row_names)) + 1 if labels else 0
    needed = margin + view.dim_in * cells.width + len(view.col_bounds)
    if width is not None and needed > width:
        if not overview:
            raise TooWide(needed, width)
        from .overview import render_overview

        return render_overview(view, mode, width, needed)
    head = f"{view.spec}: {view.subtitle}"
    lines = [_ascii(head) if plain else head]
    for name, matrix in view.panels:
        if len(view.panels) > 1:
            lines.append(f"{name}:")
        grid = _grid(view, matrix, cells, plain)
        if labels:
            grid = _labelled(view, grid, row_names, col_names, cells.width, margin)
        lines += grid
    if view.omitted:
        lines.append(f"({view.omitted} more elements not shown; use --element K)")
    lines += cells.legend(width or 80)
    return "\n".join(lines)


def _ascii(text: str) -> str:
    return text.replace("·", "*").replace("Σ", "sum")


def _grid(view: View, matrix: np.ndarray, cells, plain: bool) -> list[str]:
    vbar, hbar, cross, vbar_fine, hbar_fine = _LINES["plain" if plain else "colour"]
    cols = np.array(sorted(view.col_bounds), int)
    texts = cells.texts(matrix)  # list of rows, each a list of cell strings
    rule = []
    for j in range(view.dim_in + 1):
        if j in view.col_bounds:
            rule.append(cross)
        if j < view.dim_in:
            rule.append(" " * cells.width)
    lines = []
    for i, row in enumerate(texts):
        if i in view.row_bounds:
            h = hbar if view.row_bounds[i] == 0 else hbar_fine
            lines.append("".join(r if r == cross else h * len(r) for r in rule).rstrip())
        parts = list(row)
        for j in cols[::-1]:  # insert right to left so indices stay valid
            d = view.col_bounds[int(j)]
            parts.insert(int(j), vbar if d == 0 else vbar_fine)
        lines.append("".join(parts).rstrip())
    return lines


def _labelled(view: View, grid: list[str], row_names: list[str], col_names: list[str],
              cell: int, margin: int) -> list[str]:
    """The grid with row names at the left and the column names' indices stacked on top."""
    out, i, ruled = [], 0, -1
    for line in grid:
        if i in view.row_bounds and ruled != i:  # _grid draws a rule above row i
            out.append(" " * margin + line)
            ruled = i
        else:
            out.append(row_names[i].rjust(margin - 1) + " " + line)
            i += 1
    return [" " * margin + h for h in _column_header(view, col_names, cell)] + out


def _column_header(view: View, names: list[str], cell: int) -> list[str]:
    """One line per tensor index: the last index over every column, the earlier ones
    only where they change.  Nothing if the last index needs the whole cell (the
    numbers would run together)."""
    split = [n.split(",") for n in names]
    depth = max(map(len, split))
    if any(len(s[-1]) >= cell for s in split):
        return []
    comps = [[""] * (depth - len(s)) + s for s in split]
    starts, x = [], 0
    for j in range(len(names)):
        x += j in view.col_bounds
        starts.append(x)
        x += cell
    lines = []
    for c in range(depth):
        line = [" "] * (x + 8)
        free = 0  # first position not yet written
        for j, comp in enumerate(comps):
            text = comp[c]
            if not text or (c < depth - 1 and j and comps[j - 1][:c + 1] == comp[:c + 1]):
                continue
            at = max(starts[j] + cell - len(text), starts[j])
            if at < free:
                return []  # an earlier index would run into this one
            line[at:at + len(text)] = text
            free = at + len(text) + 1
        lines.append("".join(line).rstrip())
    return lines


def _paint(codes: np.ndarray, styles: list[str], width: int, breaks) -> list[list[str]]:
    """Rows of cells; code -1 = unpainted.  Escape codes are written only where the
    colour changes, and the colour is reset before each separator column in ``breaks``."""
    out = []
    for row in codes:
        cells, current = [], -1
        for j, c in enumerate(row.tolist()):
            if j in breaks and current != -1:
                cells[-1] += _RESET
                current = -1
            prefix = "" if c == current else (_RESET if c == -1 else styles[c])
            cells.append(prefix + " " * width)
            current = c
        if current != -1:
            cells[-1] += _RESET
        out.append(cells)
    return out


class _PatternCells:
    def __init__(self, view: View, mode: str):
        self.view, self.mode = view, mode
        self.symbols = symbols(view.n_basis)
        plain_width = max(len(s) for s in self.symbols) + 1 if self.symbols else 2
        self.width = plain_width if mode == "plain" else 2

    def texts(self, labels: np.ndarray) -> list[list[str]]:
        if self.mode == "plain":
            table = np.array([s.rjust(self.width) for s in self.symbols]
                             + [".".rjust(self.width)], object)
            return table[labels].tolist()  # -1 picks the last entry, "."
        styles = _swatches(qualitative(self.view.n_basis), self.mode)
        return _paint(labels, styles, self.width, self.view.col_bounds)

    def legend(self, width: int) -> list[str]:
        labels = self.view.panels[0][1]
        counts = np.bincount(labels[labels >= 0].ravel(), minlength=self.view.n_basis)
        used = np.flatnonzero(counts)
        names = [f"w_{k} ({counts[k]} entr{'y' if counts[k] == 1 else 'ies'})" for k in used]
        if self.mode == "plain":
            items = [f"{self.symbols[k]} = {name}" for k, name in zip(used, names)]
            if (labels < 0).any():
                items.append(". = 0")
            return _wrap(items, [len(i) for i in items], width)
        styles = _swatches(qualitative(self.view.n_basis), self.mode)
        items = [f"{styles[k]}  {_RESET} {name}" for k, name in zip(used, names)]
        return _wrap(items, [len(n) + 3 for n in names], width, sep="  ")


class _SignedCells:
    def __init__(self, view: View, mode: str):
        self.view, self.mode = view, mode
        values = np.concatenate([m.ravel() for _, m in view.panels])
        self.vmax = float(np.abs(values).max()) if values.size else 0.0
        rounded = np.rint(values)
        self.integers = bool(np.all(np.abs(values - rounded) < 1e-9) and self.vmax <= 9)
        # "-1" fills two characters: a third keeps " 1-1" from reading as one number
        self.width = 3 if mode == "plain" and (values < 0).any() else 2

    def texts(self, matrix: np.ndarray) -> list[list[str]]:
        if self.mode != "plain":
            nonzero = np.abs(matrix) > 1e-12 * max(self.vmax, 1e-300)
            flat = matrix[nonzero]
            palette = diverging(flat, self.vmax)
            codes = np.full(matrix.shape, -1, np.int64)
            codes[nonzero] = np.arange(flat.size)
            return _paint(codes, _swatches(palette, self.mode) if flat.size else [],
                          self.width, self.view.col_bounds)
        table = np.array([f"{v:d}".rjust(self.width) for v in range(-9, 10)], object)
        table[9] = ".".rjust(self.width)
        if self.integers:
            return table[np.rint(matrix).astype(np.int64) + 9].tolist()
        level = np.rint(9 * matrix / self.vmax).astype(np.int64)
        zero = np.abs(matrix) <= 1e-12 * max(self.vmax, 1e-300)
        return np.where(zero, table[9], table[level + 9]).tolist()

    def legend(self, width: int) -> list[str]:
        top = f"{self.vmax:.4g}"
        if self.mode == "plain":
            if self.integers:
                return ["entries are the exact values; . = 0"]
            return [f"entries are 9*value/{top} rounded (-9..9); . = 0"]
        steps = np.array([-1, -0.5, 0.5, 1]) * self.vmax
        sw = _swatches(diverging(steps, self.vmax), self.mode)
        keys = "  ".join(f"{s}  {_RESET} {v:.3g}" for s, v in zip(sw, steps))
        return [f"{keys}   (blank = 0)"]
