"""What a steerable convolution needs from a kernel basis ``G: Rin -> Rout * Grid(k)``.

Contract 5.2: B_m, of shape (c_out k^d, c_in), reshaped to (c_out, k, ..., k, c_in) and
moved to (c_out, c_in, k, ..., k) is a weight in the layout of
``torch.nn.functional.conv2d`` (d = 2) or ``conv3d`` (d = 3).  Each stored generator
of rho_out = Rout (x) Grid(k) is split into its field part R_out(g) (c_out x c_out)
and its pixel permutation, from which the point map M(g) (a d x d integer matrix:
pixel p sits at M(g) p after g) is read back; with rho_in = R_in this is all a
convolution's equivariance check and its bias need, for images of any size.

>>> data = KernelData.of("Perm(9; (0 6 8 2)(1 3 7 5)): 1 -> V", kernel_size=3)
>>> data.c_in, data.c_out, data.kernel_size, data.n_basis
(1, 1, 3, 3)
>>> data.point_maps()[0].tolist()   # (0 6 8 2) turns the 3x3 grid counterclockwise
[[0, -1], [1, 0]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..coo import CooMatrix
from .layerdata import (
    LayerData,
    as_vectors,
    invariant_vectors,
    random_elements,
    resolve_basis,
)

__all__ = ["KernelData", "conv_padding", "grid_points", "transform_image"]


def grid_points(size: int, ndim: int) -> np.ndarray:
    """Coordinates of the pixels (voxels) of a size^ndim grid in index order, centred:
    pixel (r, c) at (c - h, h - r) with h = (size-1)/2 (x right, y up); voxel (a, b, c)
    at (a - h, b - h, c - h).  Shape (size**ndim, ndim)."""
    h = (size - 1) / 2
    idx = np.indices((size,) * ndim).reshape(ndim, -1).T.astype(np.float64)
    if ndim == 2:
        return np.stack([idx[:, 1] - h, h - idx[:, 0]], axis=1)
    return idx - h


def transform_image(x: np.ndarray, field: np.ndarray, point_map: np.ndarray,
                    field_dim: int) -> np.ndarray:
    """[g x](p) = R x(M^-1 p) for images x of shape (batch, channels*field_dim, L, ..., L)
    (square or cubic), R = ``field`` acting on each channel's field, M = ``point_map``."""
    ndim = point_map.shape[0]
    size = x.shape[-1]
    if x.shape[-ndim:] != (size,) * ndim:
        raise ValueError(f"images must be square (cubic) to be rotated, got {x.shape}")
    points = grid_points(size, ndim)
    source = points @ np.linalg.inv(point_map).T  # M^-1 p, centred coordinates
    h = (size - 1) / 2
    if ndim == 2:  # back to (row, column)
        source = np.stack([h - source[:, 1], source[:, 0] + h], axis=1)
    else:
        source = source + h
    src = np.ravel_multi_index(tuple(np.rint(source).astype(np.int64).T), (size,) * ndim)
    flat = x.reshape(*x.shape[:-ndim], -1)[..., src]
    fields = flat.reshape(x.shape[0], -1, field_dim, flat.shape[-1])
    moved = np.einsum("ab,ncbp->ncap", field, fields)
    return moved.reshape(x.shape)


def conv_padding(padding, kernel_size: int, dilation: int):
    """'same' as explicit symmetric padding (so strides work and rotations about the
    image centre commute with it); needs an odd kernel."""
    if padding == "valid":
        return 0
    if padding == "same":
        if kernel_size % 2 == 0:
            raise ValueError("padding='same' needs an odd kernel size: give the padding as "
                             "a number")
        return dilation * (kernel_size - 1) // 2
    if isinstance(padding, int) and padding >= 0:
        return padding
    raise ValueError(f"padding must be 'same', 'valid' or an integer >= 0, not {padding!r}")


@dataclass
class KernelData(LayerData):
    """A kernel basis read as a convolution: sizes, generator parts, bias."""

    kernel_size: int = 0
    ndim: int = 2

    @classmethod
    def of(cls, basis, kernel_size: int | None = None, ndim: int = 2) -> KernelData:
        basis = resolve_basis(basis)
        if kernel_size is None:
            found = re.findall(r"Grid\((\d+)\)", basis.rep_out)
            if len(found) != 1:
                raise ValueError(f"{basis.spec}: a convolution needs a kernel basis "
                                 f"G: Rin -> Rout * Grid(k) (or kernel_size=k)")
            kernel_size = int(found[0])
        pixels = kernel_size**ndim
        if kernel_size < 1 or basis.dim_out % pixels:
            raise ValueError(f"{basis.spec}: dim_out {basis.dim_out} is not a multiple of "
                             f"{kernel_size}^{ndim} pixels")
        return cls(basis, kernel_size, ndim)

    @property
    def pixels(self) -> int:
        return self.kernel_size**self.ndim

    @property
    def c_in(self) -> int:
        return self.dim_in

    @property
    def c_out(self) -> int:
        return self.dim_out // self.pixels

    @cached_property
    def _parts(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(R_in, R_out, M) for every stored discrete generator (numpy only)."""
        gens = self.basis.generators
        if gens.raw("lie_in") or gens.raw("lie_out"):
            raise ValueError(f"{self.spec}: a continuous group has no pixel grid")
        points = grid_points(self.kernel_size, self.ndim)
        parts = []
        for g_in, g_out in zip(gens.raw("in_"), gens.raw("out"), strict=True):
            field, moved_to = _split(CooMatrix.of(g_out).without_zeros(), self.c_out, self.pixels)
            if self.kernel_size > 1:
                m, *_ = np.linalg.lstsq(points, points[moved_to], rcond=None)
                point_map = np.rint(m.T)
                if not np.allclose(points @ point_map.T, points[moved_to]):
                    raise ValueError(f"{self.spec}: a generator does not move the "
                                     f"{self.kernel_size}-grid by a linear map")
            else:  # a 1-pixel kernel does not show the map: the C(n), D(n) of docs/specs.rst
                point_map = np.eye(self.ndim)
            rho_in = CooMatrix.of(g_in).toarray().astype(np.float64)
            parts.append((rho_in, field, point_map.astype(np.int64)))
        return parts

    def point_maps(self) -> list[np.ndarray]:
        return [m for _, _, m in self._parts]

    @cached_property
    def _bias(self):
        return invariant_vectors([r for _, r, _ in self._parts], [], self.c_out)

    def bias_vectors(self) -> np.ndarray:
        """Invariant vectors of R_out, shape (n_bias, c_out): a bias constant in space."""
        return as_vectors(self._bias, self.c_out)

    def bias_orbits(self) -> None:
        return None

    def random_elements(self, count: int, rng: np.random.Generator,
                        word_length: int = 6) -> list[tuple]:
        """``count`` triples (R_in(g), R_out(g), M(g)) as dense arrays."""
        parts = self._parts
        lists = [[p[i] for p in parts] for i in range(3)]
        if not parts:
            eye = (np.eye(self.c_in), np.eye(self.c_out), np.eye(self.ndim))
            return [eye] * count
        out = random_elements(lists, [], count, rng, word_length)
        return [tuple(np.asarray(m.toarray() if hasattr(m, "toarray") else m)
                      for m in element) for element in out]


def _split(rho: CooMatrix, c_out: int, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """R (c_out x c_out) and the pixel map q -> g(q) of rho = R (x) P, P e_q = e_g(q)."""
    a, p = np.divmod(rho.row, pixels)
    b, q = np.divmod(rho.col, pixels)
    moved_to = np.full(pixels, -1, np.int64)
    moved_to[q] = p
    if (moved_to < 0).any() or not np.array_equal(moved_to[q], p):
        raise ValueError("rho_out is not a field representation times a pixel permutation "
                         "(the output must be Rout * Grid(k), in that order)")
    field = np.zeros((c_out, c_out))
    first = q == 0
    field[a[first], b[first]] = rho.value[first]
    # rho must be exactly field (x) P (Rout * Grid(k), field-major), not P (x) field:
    # max |field (x) P - rho| over the positions where either has an entry
    fa, fb = np.nonzero(field)
    rows = (fa[:, None] * pixels + moved_to[None, :]).ravel()
    cols = (fb[:, None] * pixels + np.arange(pixels)[None, :]).ravel()
    size = c_out * pixels
    keys = np.concatenate([rows * size + cols, rho.row * size + rho.col])
    values = np.concatenate([np.repeat(field[fa, fb], pixels), -rho.value])
    _, where = np.unique(keys, return_inverse=True)
    if np.abs(np.bincount(where.reshape(-1), weights=values)).max(initial=0) > 1e-12:
        raise ValueError("rho_out is not a field representation times a pixel permutation "
                         "(the output must be Rout * Grid(k), in that order)")
    return field, moved_to
