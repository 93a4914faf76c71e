"""The weight-sharing pattern as a figure (PNG or SVG), with matplotlib.

matplotlib is an optional extra (``pip install intertwine[plot]``) and is imported only
here, only when a figure is asked for.  The figure is drawn on a bare
``matplotlib.figure.Figure`` with the Agg canvas, so no display is ever needed and
the pyplot backend of a user's session is left alone.

The layout is computed in whole pixels: each cell is ``cell`` x ``cell`` pixels, the
image is placed at integer pixel offsets and drawn with nearest-neighbour
interpolation, and separators are drawn without antialiasing.  So cells are exactly
square and every pixel of the matrix carries exactly one of the colours of the
picture: one per parameter, the background (white) and the separator greys, which is
what the tests count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import ceil, sqrt

import numpy as np

from .palette import BACKGROUND, diverging, qualitative, separator
from .view import View

__all__ = ["MissingMatplotlib", "FigureInfo", "save_figure", "require_matplotlib", "MAX_CELLS"]

DPI = 100
_PT = 72 / DPI  # points per pixel
MAX_CELLS = 2000  # rows or columns beyond this make an unreadable, huge figure
_TARGET = 520  # pixels for the longer side of a single matrix
_PANEL_TARGET = 220  # ... of one small multiple
_LABEL_CELL = 16  # cell size when tensor-index labels are drawn


class MissingMatplotlib(ImportError):
    def __init__(self):
        super().__init__("figures need matplotlib: pip install 'intertwine[plot]'")


@dataclass
class FigureInfo:
    """Pixel geometry of a written figure: ``size`` (height, width), one box per panel
    (x0, y0, x1, y1 from the top left, exclusive ends) and the cell size."""

    size: tuple[int, int]
    panels: list[tuple[int, int, int, int]]
    cell: int


def require_matplotlib():
    """matplotlib and its Figure class, or MissingMatplotlib (an ImportError)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingMatplotlib() from None
    import matplotlib

    return matplotlib, Figure


def save_figure(view: View, path, fmt: str = "png", labels: bool = False) -> FigureInfo:
    """Draw ``view`` and write it to ``path`` atomically; returns the pixel geometry."""
    matplotlib, Figure = require_matplotlib()
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown figure format {fmt!r} (png or svg)")
    if max(view.dim_out, view.dim_in) > MAX_CELLS:
        raise ValueError(f"the matrix is {view.dim_out} x {view.dim_in}; figures are drawn "
                         f"up to {MAX_CELLS} rows and columns")
    path = os.fsdecode(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"folder does not exist: {os.path.dirname(path) or '.'}")
    if os.path.isdir(path):
        raise ValueError(f"is a folder, not a file: {path}")
    with matplotlib.rc_context({"svg.hashsalt": "intertwine", "font.size": 10}):
        fig, info = _draw(view, Figure, labels)
        _write(fig, path, folder, fmt)
    return info


def _write(fig, path: str, folder: str, fmt: str) -> None:
    from ..runtime.atomic import atomic_path

    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=DPI, metadata=metadata)


# ----------------------------------------------------------------------------- layout

def _cell_size(view: View, labels: bool, panels: int) -> int:
    longest = max(view.dim_out, view.dim_in)
    target = _PANEL_TARGET if panels > 1 else _TARGET
    cell = max(1, min(48, target // longest))
    if labels:
        if longest > 80:
            raise ValueError(f"--labels draws matrices up to 80 rows and columns, "
                             f"not {view.dim_out} x {view.dim_in}")
        cell = max(cell, _LABEL_CELL)
    return cell


def _label_room(names: list[str], fontsize: float) -> int:
    return int(max(map(len, names)) * fontsize / _PT * 0.62) + 8


def _draw(view: View, Figure, labels: bool):
    n = len(view.panels)
    cell = _cell_size(view, labels, n)
    cols = n if n <= 4 else ceil(sqrt(n))
    rows = ceil(n / cols)
    w, h = view.dim_in * cell, view.dim_out * cell
    fontsize = min(9.0, 0.7 * cell * _PT)
    row_names, col_names = view.labels() if labels else ([], [])
    out_label = f"output: {view.rep_out} ({view.dim_out})"
    out_label_px = int(len(out_label) * 10 / _PT * 0.6)
    upright = rows * h >= out_label_px  # else the label would not fit beside the matrix
    left = (34 if upright else out_label_px + 16) \
        + (_label_room(row_names, fontsize) if labels else 0)
    bottom = 34 + (_label_room(col_names, fontsize) if labels else 0)
    panel_title = 20 if n > 1 else 0
    gap = 18 + (max(left, bottom) - 34 if labels else 0)
    colourbar = 70 if view.kind == "signed" else 0
    title_lines = [view.spec, view.subtitle]
    if view.omitted:
        title_lines[1] += f" (first {n} shown)"
    title_width = int(max(len(title_lines[0]) * 12, len(title_lines[1]) * 10) / _PT * 0.6)
    top = 58
    content_w = cols * w + (cols - 1) * gap
    content_h = rows * (h + panel_title) + (rows - 1) * gap
    width = max(left + content_w + colourbar + 20, title_width + 30)
    left += (width - (left + content_w + colourbar + 20)) // 2  # centre the matrices
    # a colour bar needs some height to be read, even beside a one-row matrix
    bar_h = min(max(content_h, 100), 240) if colourbar else 0
    height = top + max(content_h, bar_h) + bottom

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    fig.patch.set_facecolor("white")
    fig.text(0.5, 1 - 14 / height, title_lines[0], ha="center", va="top", fontsize=12,
             fontweight="bold")
    fig.text(0.5, 1 - 36 / height, title_lines[1], ha="center", va="top", fontsize=10)
    boxes = []
    vmax = _vmax(view)
    for k, (name, matrix) in enumerate(view.panels):
        r, c = divmod(k, cols)
        x0 = left + c * (w + gap)
        y0 = top + r * (h + panel_title + gap) + panel_title
        ax = fig.add_axes((x0 / width, 1 - (y0 + h) / height, w / width, h / height))
        _matrix(ax, view, matrix, vmax, cell)
        if n > 1:
            ax.set_title(name, fontsize=10, pad=4)
        if labels:
            _ticks(ax, row_names, col_names, fontsize, first_col=c == 0)
        boxes.append((x0, y0, x0 + w, y0 + h))
    fig.text(left / width + content_w / 2 / width, 1 - (top + content_h + bottom - 8) / height,
             f"input: {view.rep_in} ({view.dim_in})", ha="center", va="bottom")
    fig.text(8 / width, 1 - (top + content_h / 2) / height, out_label, ha="left",
             va="center", rotation=90 if upright else 0)
    if colourbar:
        _colourbar(fig, vmax, (left + content_w + 24) / width, top / height,
                   bar_h / height, 14 / width)
    return fig, FigureInfo((height, width), boxes, cell)


def _vmax(view: View) -> float:
    if view.kind != "signed":
        return 0.0
    return float(max(np.abs(m).max() for _, m in view.panels)) or 1.0


def _rgb(view: View, matrix: np.ndarray, vmax: float) -> np.ndarray:
    if view.kind == "signed":
        return diverging(matrix, vmax)
    lut = np.vstack([qualitative(view.n_basis), np.array([BACKGROUND], np.uint8)])
    return lut[matrix]  # label -1 picks the background row


def _matrix(ax, view: View, matrix: np.ndarray, vmax: float, cell: int) -> None:
    rows, cols = matrix.shape
    ax.imshow(_rgb(view, matrix, vmax), interpolation="nearest", aspect="auto",
              extent=(-0.5, cols - 0.5, rows - 0.5, -0.5), resample=False)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    for bounds, line in ((view.col_bounds, ax.axvline), (view.row_bounds, ax.axhline)):
        for pos, depth in sorted(bounds.items(), key=lambda kv: -kv[1]):  # coarse on top
            px = 2 if depth == 0 and cell >= 6 else 1
            line(pos - 0.5, color=np.array(separator(depth)) / 255, linewidth=px * _PT,
                 antialiased=False, snap=True)
    for spine in ax.spines.values():
        spine.set_edgecolor(np.array(separator(0)) / 255)
        spine.set_linewidth(_PT)
        spine.set_antialiased(False)


def _ticks(ax, row_names, col_names, fontsize: float, first_col: bool) -> None:
    ax.set_xticks(range(len(col_names)), col_names, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(row_names)), row_names if first_col else [], fontsize=fontsize)
    ax.tick_params(length=2, pad=2)


def _colourbar(fig, vmax: float, x: float, y_top: float, h: float, w: float) -> None:
    ax = fig.add_axes((x, 1 - y_top - h, w, h))
    ramp = np.linspace(vmax, -vmax, 255)[:, None]
    ax.imshow(diverging(ramp, vmax), aspect="auto", interpolation="nearest",
              extent=(0, 1, -vmax, vmax))
    ax.set_xticks([])
    ax.yaxis.tick_right()
    ax.set_yticks([-vmax, 0, vmax], [f"{-vmax:.3g}", "0", f"{vmax:.3g}"], fontsize=8)
