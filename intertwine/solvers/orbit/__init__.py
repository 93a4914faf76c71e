"""Orbit solver: bases of (signed) permutation representations, exact and fast.

The group permutes the positions (i, j) of W.  An equivariant W is constant on each
orbit, so the orbits *are* the basis: element k is 1 on orbit k.  With signs, W must
also satisfy W[g(p)] = sign * W[p]; an orbit on which some element returns a position
to itself with sign -1 carries only zero.

Orbits are numbered by their smallest (row-major) position, which is exactly the
reduced row-echelon order the contract requires.

The floor for a permutation-group basis is writing its pattern, so every path here
works in place on arrays of the pattern's size, in blocks of ``_CHUNK`` entries, without
a sort and without a Python loop over entries:

* Products of symmetric groups on tensor monomials (Maron et al., Hartford et al.)
  need no search at all.  A position's orbit is the equality pattern of its indices, a
  restricted-growth string, and the rank of that string among all valid strings has a
  closed form, added up digit by digit (``_Ranker``).  Any band of rows can be computed
  alone (``pattern_source``), so a pattern larger than memory is written band by band.
* Other permutation actions (C(n), D(n), Perm, A(n) of small degree, sums): labels start
  as the positions themselves and repeatedly take the minimum over each generator's
  cycles (by doubling: log2(order) gathers), then jump to their label's label, until
  nothing changes.  The label is then the orbit's smallest position.  A generator acts
  on a tensor monomial axis by axis, so a gather is a few ``np.take`` along small axes,
  never an index array of the pattern's size.
* Signed actions (``det``) go through a graph on the double cover (scipy).

One module per algorithm: ``symmetric`` (the closed form), ``minima`` (orbit minima),
``signed`` (the double cover, shared with ``solvers/reduce.py``).
"""

from __future__ import annotations

import numpy as np

from ...coo import Coo
from ...problem import Problem
from ..result import SolveResult

#: entries handled per block: large enough that numpy's per-call overhead vanishes,
#: small enough that the temporaries of a block stay in cache and add little memory
_CHUNK = 1 << 19


def chunk_size() -> int:
    """Entries handled per block: ``_CHUNK``, read at each call so that one setting (tests
    shrink it) governs every algorithm."""
    return _CHUNK


from .minima import axis_actions, orbit_minima, rank_minima  # noqa: E402
from .signed import signed_orbits  # noqa: E402
from .symmetric import SymmetricPattern, monomial, pattern_source, streamable  # noqa: E402

__all__ = ["solve_orbit", "monomial", "pattern_source", "streamable", "SymmetricPattern"]


def __getattr__(name: str):
    """The algorithms' parts under their 0.1 names here (``_orbit_minima``), which the
    tests reach; each is a public name of its module."""
    from . import minima, signed, symmetric

    for module in (minima, symmetric, signed):
        value = getattr(module, _OLD_NAMES.get(name, "-"), None)
        if value is not None:
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_OLD_NAMES = {"_axis_actions": "axis_actions", "_doublings": "doublings", "_Grid": "Grid",
              "_orbit_minima": "orbit_minima", "_order": "permutation_order",
              "_rank_minima": "rank_minima", "_completions": "completions",
              "_symmetric_blocks": "symmetric_blocks", "_components": "components",
              "_position_images": "position_images"}


def solve_orbit(problem: Problem) -> SolveResult:
    if not problem.finite:
        raise ValueError("method orbit applies to finite groups only")
    source = pattern_source(problem)
    if source is not None:
        return SolveResult(source.n_basis, pattern=source.array())
    if _signed(problem):
        return _signed_result(problem)
    shape, actions = axis_actions(problem)
    labels = orbit_minima(shape, actions)
    pattern, n_basis = rank_minima(labels.reshape(-1))
    return SolveResult(n_basis, pattern=pattern.reshape(problem.dim_out, problem.dim_in))


def _signed(problem: Problem) -> bool:
    return any(g.sign is not None
               for g in (*problem.discrete_in, *problem.discrete_out))


def _signed_result(problem: Problem) -> SolveResult:
    """Orbits with signs: each nonzero orbit is an element, +1 at its first position."""
    orbits = signed_orbits(list(zip(problem.discrete_out, problem.discrete_in)),
                           problem.dim_out, problem.dim_in)
    row, col = np.divmod(orbits.position, problem.dim_in)
    ints = orbits.value.astype(np.int64)
    coo = Coo(orbits.orbit, row, col, ints.astype(np.float64), ints,
              np.ones(len(ints), np.int64))
    return SolveResult(orbits.count, coo=coo)

