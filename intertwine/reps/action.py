"""How a group element acts on a representation's coordinates: the discrete-action algebra.

Each discrete generator g of the group acts on a representation R by a matrix rho_R(g).
Two forms:

* :class:`~intertwine.groups.SignedPerm` -- ``e_j -> sign[j] e_{perm[j]}``: two integer
  arrays, never a matrix.  Every generator of every group acts on V this way, and
  sums, tensor products, powers, duals (a signed permutation is orthogonal: rho^-T =
  rho), ``sym`` and ``alt`` of signed permutations are signed permutations again.
* :class:`MatrixAction` -- any sparse matrix with its inverse, integer (``rational``:
  the exact solver applies) or float (numeric only).  For representations whose
  generators are no signed permutations (the 2-dimensional irreps of C(n), D(n)).
  Held as ``coo.CooMatrix`` (numpy arrays): building the actions of irreps and their
  products imports no scipy, which takes as long as numpy and h5py together.

A constructor's ``act`` builds its action from its parts' with the functions here
(``tensor``, ``direct_sum``, ``power``, ``dual``), which keep signed permutations
signed permutations and fall back to matrices otherwise.  The solvers then ask:

* ``orbit`` applies when every action is a signed permutation (``is_signed_perm``);
* ``exact`` applies when every action is rational (``rational``);
* ``numeric`` takes anything: constraints ``rho_out(g) W - W rho_in(g)`` come from
  ``matrix()`` (``Problem.constraint_matrix``).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lcm
from typing import TYPE_CHECKING

import numpy as np

from ..coo import CooMatrix, block_diag, kron
from ..groups import SignedPerm

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["Action", "MatrixAction", "constraint_pair", "identity", "tensor", "direct_sum",
           "power", "dual", "scalar"]


@dataclass(frozen=True, eq=False)
class MatrixAction:
    """rho(g) as a sparse matrix, with rho(g)^-1 (needed by ``dual``: rho^-T); either
    may be given as anything ``CooMatrix.of`` takes (a scipy matrix, a dense array)."""

    forward: CooMatrix
    inverse: CooMatrix
    #: rho(g) = forward / denominator and rho(g)^-1 = inverse / inverse_denominator: the
    #: rational matrices of the exact solver's form of "sqrt" actions (``reps/irr.py``)
    denominator: int = 1
    inverse_denominator: int = 1

    is_signed_perm = False

    def __post_init__(self):
        for name in ("forward", "inverse"):
            object.__setattr__(self, name, CooMatrix.of(getattr(self, name)).canonical())

    @property
    def size(self) -> int:
        return self.forward.shape[0]

    @property
    def rational(self) -> bool:
        """Integer entries: exact arithmetic applies (float entries: numeric only)."""
        return np.issubdtype(self.forward.dtype, np.integer)

    def matrix(self) -> sp.csr_matrix:
        return self.forward.tocsr()

    def coo(self) -> CooMatrix:
        return self.forward

    @staticmethod
    def of(a) -> MatrixAction:
        if isinstance(a, MatrixAction):
            return a
        c = a.coo()
        m = CooMatrix(c.row, c.col, c.value.astype(np.int64), c.shape)
        return MatrixAction(m, m.T)  # a signed permutation is orthogonal


Action = SignedPerm | MatrixAction


def constraint_pair(g_out: Action, g_in: Action) -> tuple[CooMatrix, CooMatrix]:
    """(q_in A_out, q_out A_in) for rho_out = A_out / q_out and rho_in = A_in / q_in: the
    integer constraint q_in A_out W - q_out W A_in = 0 says rho_out W = W rho_in."""
    q_out = getattr(g_out, "denominator", 1)
    q_in = getattr(g_in, "denominator", 1)
    a_out, a_in = g_out.coo(), g_in.coo()
    if q_out == q_in:
        return a_out, a_in
    return a_out.scaled(q_in), a_in.scaled(q_out)


def identity(n: int) -> SignedPerm:
    return SignedPerm.identity(n)


def scalar(value: int) -> SignedPerm:
    """A 1x1 action by +1 or -1."""
    return SignedPerm(np.zeros(1, np.int64), None if value == 1 else np.array([-1], np.int8))


def tensor(a: Action, b: Action) -> Action:
    """rho_a (x) rho_b, row-major (numpy.kron)."""
    if a.is_signed_perm and b.is_signed_perm:
        perm = (a.perm[:, None] * b.size + b.perm[None, :]).ravel()
        if a.sign is None and b.sign is None:
            return SignedPerm(perm)
        return SignedPerm(perm, np.multiply.outer(a.signs(), b.signs()).ravel())
    a, b = MatrixAction.of(a), MatrixAction.of(b)
    return MatrixAction(kron(a.forward, b.forward), kron(a.inverse, b.inverse),
                        a.denominator * b.denominator,
                        a.inverse_denominator * b.inverse_denominator)


def direct_sum(parts: list[Action]) -> Action:
    if all(p.is_signed_perm for p in parts):
        offsets = np.cumsum([0] + [p.size for p in parts[:-1]])
        perm = np.concatenate([p.perm + o for p, o in zip(parts, offsets)])
        if all(p.sign is None for p in parts):
            return SignedPerm(perm)
        return SignedPerm(perm, np.concatenate([p.signs() for p in parts]))
    parts = [MatrixAction.of(p) for p in parts]
    q = lcm(*[p.denominator for p in parts])
    r = lcm(*[p.inverse_denominator for p in parts])
    if q == 1 and r == 1:
        return MatrixAction(block_diag([p.forward for p in parts]),
                            block_diag([p.inverse for p in parts]))
    return MatrixAction(
        block_diag([p.forward.scaled(q // p.denominator) for p in parts]),
        block_diag([p.inverse.scaled(r // p.inverse_denominator) for p in parts]),
        q, r)


def power(a: Action, k: int) -> Action:
    out: Action = identity(1)
    for _ in range(k):
        out = tensor(out, a)
    return out


def dual(a: Action) -> Action:
    """rho^-T: a signed permutation is orthogonal, so its dual is itself."""
    if a.is_signed_perm:
        return a
    return MatrixAction(a.inverse.T, a.forward.T, a.inverse_denominator, a.denominator)
