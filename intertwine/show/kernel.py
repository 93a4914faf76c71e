"""The kernel view of a steerable convolution basis: ``G: Rin -> Rout * Grid(k)``.

Each basis element B_m, of shape (c_out k**d, c_in), is a convolution kernel: reshaped
to (c_out, k, ..., k, c_in) and moved to (c_out, c_in, k, ..., k) it is the weight of
``torch.nn.functional.conv2d`` (d = 2) or ``conv3d`` (d = 3).  Drawn as the matrix it
is, its rows run through the pixels and the picture says little; drawn as c_out x c_in
small k x k images (one per output and input channel) one sees the rotated copies.

A voxel kernel is drawn slice by slice: the k x k images for a = 0, ..., k-1 side by
side, so each channel pair is a k x k**2 strip.

The kernel view is the same ``View`` (pattern or signed, same colours and legends)
with each panel's matrix rearranged and lines between the channels.

>>> m = np.arange(2 * 9 * 1).reshape(18, 1)  # c_out = 2, 3 x 3 pixels, c_in = 1
>>> kernel_matrix(m, 2, 3, 2, 1).tolist()
[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13, 14], [15, 16, 17]]
"""

from __future__ import annotations

import numpy as np

from .view import View

__all__ = ["kernel_matrix", "kernel_view", "kernel_shape", "as_kernels"]


def kernel_shape(spec) -> tuple[int, int, int, int] | None:
    """(c_out, k, d, c_in) when the spec's output is ``Rout * Grid(k)`` or ``Grid(k)``."""
    from ..reps import Grid, Tensor

    out = spec.rep_out
    parts = out.factors if isinstance(out, Tensor) else (out,)
    grid = parts[-1]
    if not isinstance(grid, Grid):
        return None
    group = spec.group
    c_out = out.dimension(group) // grid.dimension(group)
    k = grid.args[0]
    d = 2 if group.factors[grid.factor].kind in ("C", "D") else 3
    return c_out, k, d, spec.rep_in.dimension(group)


def as_kernels(view: View) -> View:
    """``view`` drawn kernel by kernel if its spec is a steerable kernel space."""
    if view.parsed is None or not view.spec_ok:
        return view
    shape = kernel_shape(view.parsed)
    if shape is None:
        return view
    return kernel_view(view, *shape)


def kernel_matrix(matrix: np.ndarray, c_out: int, k: int, d: int, c_in: int) -> np.ndarray:
    """(c_out k**d, c_in) -> (c_out k, c_in k**(d-1)): block (o, i) is channel pair
    (o, i)'s kernel, pixel (r, c) at row r, column c (voxel (a, b, c): row b, column
    a*k + c)."""
    shape = (c_out,) + (k,) * d + (c_in,)
    t = np.asarray(matrix).reshape(shape)
    if d == 2:  # (o, r, c, i) -> (o, r, i, c)
        return t.transpose(0, 1, 3, 2).reshape(c_out * k, c_in * k)
    # (o, a, b, c, i) -> (o, b, i, a, c)
    return t.transpose(0, 2, 4, 1, 3).reshape(c_out * k, c_in * k * k)


def kernel_view(view: View, c_out: int, k: int, d: int, c_in: int) -> View:
    """The same picture as ``view`` (of ``... -> Rout * Grid(k)``), kernel by kernel."""
    panels = [(name, kernel_matrix(m, c_out, k, d, c_in)) for name, m in view.panels]
    rows, cols = panels[0][1].shape
    width = k ** (d - 1)
    out = View(spec=view.spec, kind=view.kind, n_basis=view.n_basis, dim_out=rows,
               dim_in=cols, panels=panels, omitted=view.omitted,
               subtitle=view.subtitle + f"; kernels of {c_out} x {c_in} channels",
               rep_out=f"{c_out} output channels x {k} rows",
               rep_in=f"{c_in} input channels x {width} columns")
    out.row_bounds = {o * k: 0 for o in range(1, c_out)}
    out.col_bounds = {i * width: 0 for i in range(1, c_in)}
    if d == 3:  # thin lines between the slices of one voxel kernel
        out.col_bounds.update({i * width + a * k: 1 for i in range(c_in) for a in range(1, k)})
    out.names = (
        [f"{o},{r}" for o in range(c_out) for r in range(k)],
        [f"{i},{a},{c}" if d == 3 else f"{i},{c}"
         for i in range(c_in) for a in range(k if d == 3 else 1) for c in range(k)])
    return out
