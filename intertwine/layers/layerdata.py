"""What an equivariant layer needs from a basis, in numpy: shared by ``intertwine.torch``
and ``intertwine.jax`` (which only translate it) and a reference forward pass for tests.

A layer with ``in_channels`` input fields and ``out_channels`` output fields maps x of
shape (batch, in_channels, dim_in) to

    y[:, o] = sum_c sum_m w[o, c, m] B_m x[:, c]  (+ sum_j b[o, j] v_j)

where the v_j are the invariant vectors of rho_out (an equivariant bias).  Nothing here
imports a deep-learning framework, and nothing forms the dense stack of the B_m.

>>> data = LayerData.of("S(4): V -> V")
>>> data.n_basis, data.n_bias
(2, 1)
>>> data.bias_vectors().tolist()
[[1.0, 1.0, 1.0, 1.0]]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..basis import Basis
from ..coo import CooMatrix
from ..io import load  # not through .api: a layer from a file runs no solver
from ..orbits import components

__all__ = ["LayerData", "automatic_strategy", "numpy_forward", "resolve_basis"]

#: Invariant vectors of a representation that is not a permutation one are a dense null
#: space; beyond this dimension that is refused (ask for ``bias=False``).
MAX_DENSE_BIAS_DIM = 4096


#: a basis whose nonzero positions are fewer than 1/SPARSE_BELOW of W's is applied entry
#: by entry (strategy "sparse") rather than through the dense W
SPARSE_BELOW = 16


def automatic_strategy(data: LayerData) -> str:
    """How the layers apply ``data`` by default: "sparse" for bases with few nonzero
    positions, else "pattern" for pattern files and "coo" for the others."""
    if data.density() * SPARSE_BELOW < 1:
        return "sparse"
    return "pattern" if data.basis.pattern is not None else "coo"


def resolve_basis(basis) -> Basis:
    """A :class:`Basis` from a Basis, a path to a basis file or a spec string.

    A string naming an existing file or ending in ``.h5`` is read as a file (as
    ``intertwine show`` does); any other string is a spec.
    """
    if isinstance(basis, Basis):
        return basis
    if isinstance(basis, os.PathLike) or (isinstance(basis, str) and (
            os.path.isfile(basis) or basis.endswith((".h5", ".hdf5")))):
        return load(basis)
    if isinstance(basis, str):
        from ..api import compute

        return compute(basis)
    raise TypeError(f"expected a Basis, a path or a spec string, not {type(basis).__name__}")


@dataclass
class LayerData:
    """The arrays behind a layer built on ``basis``."""

    basis: Basis

    @classmethod
    def of(cls, basis) -> LayerData:
        return cls(resolve_basis(basis))

    @property
    def spec(self) -> str:
        return self.basis.spec

    @property
    def n_basis(self) -> int:
        return int(self.basis.n_basis)

    @property
    def dim_in(self) -> int:
        return int(self.basis.dim_in)

    @property
    def dim_out(self) -> int:
        return int(self.basis.dim_out)

    # -- the basis --------------------------------------------------------------------
    def flat_pattern(self) -> np.ndarray:
        """The pattern as int64 of length dim_out*dim_in with -1 replaced by n_basis, so
        that ``W = concat(w, [0])[flat_pattern]`` is one gather (pattern files only)."""
        flat = np.asarray(self.basis.pattern).reshape(-1).astype(np.int64)
        return np.where(flat < 0, self.n_basis, flat)

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index, flat position row*dim_in + col, value) of every nonzero entry."""
        c = self.basis.entries()
        flat = c.row.astype(np.int64) * self.dim_in + c.col.astype(np.int64)
        return c.index.astype(np.int64), flat, np.asarray(c.value, np.float64)

    def density(self) -> float:
        """The fraction of positions (i, j) where some B_m is nonzero."""
        size = self.dim_out * self.dim_in
        if self.basis.pattern is not None:
            return float(np.count_nonzero(self.basis.pattern >= 0)) / max(size, 1)
        _, flat, _ = self.entries()
        return len(np.unique(flat)) / max(size, 1)

    def squared_norms(self) -> np.ndarray:
        """||B_m||_F^2 for every element, from the stored entries (one bincount)."""
        index, _, value = self.entries()
        return np.bincount(index, weights=value**2, minlength=self.n_basis)

    def init_std(self, in_channels: int, rows_per_output: int | None = None,
                 gain: float = 1.0) -> np.ndarray:
        """Standard deviation of each w[o, c, m] that keeps the output variance at the
        input variance (times ``gain**2``) for inputs of independent unit-variance entries.

        With w[o, c, m] ~ N(0, s_m^2), the mean over output coordinates of Var(y) is
        in_channels * sum_m s_m^2 ||B_m||^2 / dim_out; every element is given an equal
        share of it: s_m^2 = gain^2 dim_out / (in_channels n_basis ||B_m||^2).  This is the
        He-style initialisation of escnn (``generalized_he_init``) with gain 1, computed
        from the file.  ``rows_per_output``: output coordinates per field (c_out for a
        convolution kernel, whose basis rows also run over the kernel's pixels).
        """
        rows = self.dim_out if rows_per_output is None else rows_per_output
        norms = self.squared_norms()
        share = gain**2 * rows / max(in_channels * self.n_basis, 1)
        with np.errstate(divide="ignore"):
            return np.where(norms > 0, np.sqrt(share / np.where(norms > 0, norms, 1)), 0.0)

    # -- the bias ---------------------------------------------------------------------
    @cached_property
    def _bias(self) -> tuple[int, np.ndarray | None, np.ndarray | None]:
        g = self.basis.generators
        return invariant_vectors(g.raw("out"), g.raw("lie_out"), self.dim_out)

    @property
    def n_bias(self) -> int:
        return self._bias[0]

    def bias_orbits(self) -> np.ndarray | None:
        """For a permutation representation rho_out: the orbit of each coordinate
        (int64, shape (dim_out,)), so that the bias is ``b[:, orbit]``; else None."""
        return self._bias[1]

    def bias_vectors(self) -> np.ndarray:
        """The invariant vectors v_j of rho_out, shape (n_bias, dim_out): indicator vectors
        of orbits for permutation representations, else an orthonormal null space."""
        return as_vectors(self._bias, self.dim_out)

    # -- group elements ---------------------------------------------------------------
    def random_elements(self, count: int, rng: np.random.Generator,
                        word_length: int = 6) -> list[tuple]:
        """``count`` pairs (rho_in(g), rho_out(g)) of scipy sparse or numpy matrices: see
        :func:`random_elements`."""
        g = self.basis.generators
        return random_elements([g.in_, g.out], [g.lie_in, g.lie_out], count, rng,
                               word_length)


def as_vectors(invariants: tuple, dim: int) -> np.ndarray:
    """The result of :func:`invariant_vectors` as vectors of shape (count, dim)."""
    count, orbit, dense = invariants
    if dense is not None:
        return dense
    out = np.zeros((count, dim))
    out[orbit, np.arange(dim)] = 1.0
    return out


def invariant_vectors(discrete: list, lie: list, dim: int) -> tuple:
    """A basis of {v : rho(g) v = v for the discrete generators, A v = 0 for the Lie ones},
    as (count, orbit labels, None) or (count, None, vectors of shape (count, dim)).

    The matrices may be CooMatrix, scipy sparse or dense arrays, and only numpy is used:
    a layer is built from a file without importing scipy.  Permutation matrices (the
    common case, and the only one whose dimension is large): one indicator vector per
    orbit of the generated group (``orbits.components``).  Anything else: the null space
    of the stacked constraints, dense, for dim <= MAX_DENSE_BIAS_DIM.
    """
    mats = [CooMatrix.of(m).without_zeros() for m in discrete]
    if not lie and all(_is_permutation(m, dim) for m in mats):
        images = []
        for m in mats:  # m e_col = e_row
            image = np.empty(dim, np.int64)
            image[m.col] = m.row
            images.append(image)
        label = components(images, dim).astype(np.int64)
        return int(label.max(initial=-1)) + 1, label, None
    if dim > MAX_DENSE_BIAS_DIM:
        raise ValueError(f"the invariant vectors of a {dim}-dimensional representation that "
                         f"is not a permutation one are not computed: use bias=False")
    rows = [m.toarray() - np.eye(dim) for m in mats]
    rows += [CooMatrix.of(a).toarray().astype(np.float64) for a in lie]
    if not rows:
        return dim, None, np.eye(dim)
    null = _null_space(np.vstack(rows), rcond=1e-10).T.copy()
    return len(null), None, null


def _null_space(a: np.ndarray, rcond: float) -> np.ndarray:
    """scipy.linalg.null_space(a, rcond) with numpy (the same LAPACK routine, gesdd)."""
    _, s, vh = np.linalg.svd(a, full_matrices=True)
    tol = np.amax(s, initial=0.0) * rcond
    return vh[int(np.sum(s > tol)):, :].T.conj()


def _is_permutation(m, dim: int) -> bool:
    return (tuple(m.shape) == (dim, dim) and len(m.row) == dim
            and bool(np.all(m.value == 1)) and _onto(m.row, dim) and _onto(m.col, dim))


def _onto(a: np.ndarray, n: int) -> bool:
    seen = np.zeros(n, bool)
    seen[a] = True
    return bool(seen.all())


def random_elements(discrete: list[list], lie: list[list], count: int,
                    rng: np.random.Generator, word_length: int = 6) -> list[tuple]:
    """Random group elements as tuples of matrices, one per representation.

    ``discrete[r]`` and ``lie[r]`` are the stored generators of representation r (the
    same generator in the same position of every list).  An element is a product of
    ``word_length`` random discrete generators, times exp(sum_i t_i A_i) with random
    t_i for continuous groups (dense, so only for small representations).
    """
    import scipy.linalg
    import scipy.sparse as sp

    n_discrete, n_lie = len(discrete[0]), len(lie[0]) if lie else 0
    elements = []
    for _ in range(count):
        word = rng.integers(0, n_discrete, size=word_length if n_discrete else 0)
        t = rng.normal(size=n_lie)
        element = []
        for r, gens in enumerate(discrete):
            dim = (gens[0] if gens else lie[r][0]).shape[0]
            g = sp.identity(dim, format="csr")
            for i in word:
                g = sp.csr_matrix(gens[i]) @ g
            if n_lie:
                algebra = sum(ti * sp.csr_matrix(a).toarray() for ti, a in zip(t, lie[r]))
                g = g.toarray() @ scipy.linalg.expm(algebra)
            element.append(g)
        elements.append(tuple(element))
    return elements


def numpy_forward(basis, weight: np.ndarray, x: np.ndarray,
                  bias: np.ndarray | None = None) -> np.ndarray:
    """The reference layer: y[:, o] = sum_c sum_m w[o, c, m] B_m x[:, c] + sum_j b[o, j] v_j
    for x of shape (batch, in_channels, dim_in), in float64 through scipy.sparse."""
    data = LayerData.of(basis)
    out_channels, in_channels, n = weight.shape
    sparse = data.basis.sparse().tocsc()  # (n, dim_out*dim_in)
    w = weight.reshape(out_channels * in_channels, n).astype(np.float64)
    dense_w = np.asarray((sparse.T @ w.T).T).reshape(out_channels, in_channels,
                                                     data.dim_out, data.dim_in)
    y = np.einsum("ocij,bcj->boi", dense_w, np.asarray(x, np.float64))
    if bias is not None:
        y = y + np.asarray(bias, np.float64) @ data.bias_vectors()
    return y
