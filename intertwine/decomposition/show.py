"""``intertwine show`` for decompositions: Q's block structure.

In the terminal, one character per entry of Q ('+', '-', '.' for zero) with a rule
between irreps and each copy's irrep named on its first row; a Q wider than the
terminal is summarised by one line per copy (its rows and the columns it uses).  As a
figure, Q drawn as an image with the irreps' rows marked.
"""

from __future__ import annotations

import numpy as np

from .core import Decomposition

__all__ = ["render_text", "save_figure", "read_decomposition_target"]


def read_decomposition_target(target: str, method: str = "auto") -> Decomposition | None:
    """The decomposition ``target`` names (a decomposition file, or ``GROUP: REP`` without
    ``->``), None when it names a basis."""
    import os

    from .files import is_decomposition, load

    if os.path.isfile(target):
        return load(target) if is_decomposition(target) else None
    if target.lower().endswith((".h5", ".hdf5")) or "->" in target or "→" in target:
        return None
    from .core import decompose

    return decompose(target, "auto" if method == "orbit" else method)


def render_text(d: Decomposition, width: int = 100) -> str:
    q = d.change_of_basis()
    label_width = max(len(label) for label, _ in d.irreps) + 2
    lines = [f"{d.spec} = {d.irreps_string}",
             f"Q: {d.dim}x{d.dim}, method {d.method}"
             + (f", exact values {d.exact_values}" if d.exact else "")]
    blocks = d.blocks()
    if label_width + d.dim > width:
        for label, first, last in blocks:
            used = np.flatnonzero(np.abs(q[first:last]).max(axis=0) > 0)
            span = f"columns {used.min()}..{used.max()}" if used.size else "no columns"
            lines.append(f"{label:<{label_width}}rows {first}..{last - 1}: {used.size} "
                         f"columns used, {span}")
        return "\n".join(lines)
    signs = np.where(q > 0, "+", np.where(q < 0, "-", "."))
    previous = None
    for label, first, last in blocks:
        if label != previous:
            lines.append(" " * label_width + "-" * d.dim)
        for r in range(first, last):
            name = label if r == first else ""
            lines.append(f"{name:<{label_width}}" + "".join(signs[r]))
        previous = label
    return "\n".join(lines)


def save_figure(d: Decomposition, path: str, fmt: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = d.change_of_basis()
    size = min(12, 2 + d.dim / 8)
    fig, ax = plt.subplots(figsize=(size + 2, size))
    limit = max(np.abs(q).max(initial=0.0), 1e-300)
    image = ax.imshow(q, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    ticks = []
    for label, first, last in d.blocks():
        ax.axhline(first - 0.5, color="k", linewidth=0.5)
        ticks.append(((first + last - 1) / 2, label))
    ax.set_yticks([t for t, _ in ticks], [lab for _, lab in ticks], fontsize=7)
    ax.set_xlabel(f"coordinates of {d.rep}")
    ax.set_title(f"{d.spec} = {d.irreps_string}", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path, format=fmt, bbox_inches="tight")
    plt.close(fig)
