"""Orbit solver: bases of (signed) permutation representations, exact and fast.

The group permutes the positions (i, j) of W.  An equivariant W is constant on each
orbit, so the orbits *are* the basis: element k is 1 on orbit k.  With signs, W must
also satisfy W[g(p)] = sign * W[p]; an orbit on which some element returns a position
to itself with sign -1 carries only zero.

Orbits are numbered by their smallest (row-major) position, which is exactly the
reduced row-echelon order the file format requires (docs/format.rst).

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

import sys
import types

import numpy as np

from ...coo import Coo
from ...problem import Problem, TooLarge
from ..registry import LIMITS, Method, needs_rational, register
from ..result import SolveResult
from . import chunks
from .chunks import chunk_size as chunk_size
from .minima import axis_actions, orbit_minima, rank_minima
from .signed import signed_orbits
from .symmetric import SymmetricPattern, monomial, pattern_source, streamable

__all__ = ["solve_orbit", "monomial", "pattern_source", "streamable", "SymmetricPattern"]


class _Module(types.ModuleType):
    """``orbit._CHUNK``, the block size's name here (tests shrink it), reads and sets
    :mod:`.chunks`' one setting, which every algorithm reads."""

    @property
    def _CHUNK(self) -> int:  # noqa: N802 (a module constant's name)
        return chunks.chunk_size()

    @_CHUNK.setter
    def _CHUNK(self, entries: int) -> None:  # noqa: N802
        chunks.set_chunk_size(entries)


sys.modules[__name__].__class__ = _Module


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


def solve_orbit(problem: Problem, stream: bool = False, **other_methods_options) -> SolveResult:
    """The orbit basis; ``stream``: an S(n) pattern as a source of rows
    (``SymmetricPattern``) for ``io.save`` to write band by band, never held whole.
    (A numeric ``tolerance`` is ignored.)"""
    if not problem.finite:
        raise ValueError("method orbit applies to finite groups only")
    if stream and streamable(problem):
        source = pattern_source(problem)
        return SolveResult(source.n_basis, pattern=source)
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


# -- the method --------------------------------------------------------------------------

LIMITS["orbit"] = 4 * 10**8  # graph/partition arrays: about 20-40 bytes per unknown
# S(n) closed form written band by band (api.compute_to_file): memory is one band, so
# only time (about 10**8 entries/s) and the free disk space bound it
LIMITS["orbit_stream"] = 10**12

#: peak memory per unknown, measured (peak RSS above the interpreter's): 18-52 bytes
#: (``S(100): V**2 -> V**2``: 1.8 GB; ``C(100): V**2 -> V**2``, a million orbits: 5.2 GB
#: for 1e8 unknowns)
BYTES_PER_UNKNOWN = 64
#: a streamed S(n) pattern: a band of rows (io's 32 MB) and its pieces, plus the
#: generators, held whole (``GENERATOR_ENTRY_BYTES`` per index of each)
STREAM_BYTES = 128 << 20
STREAM_BYTES_PER_INDEX = 4 * 64
#: memory per entry of a stored generator: the permutation, its coo arrays and their
#: sorted, range-checked copies on the way to the file
GENERATOR_ENTRY_BYTES = 64


def _applies(problem: Problem) -> str | None:
    if not problem.finite:
        return (f"method orbit applies to finite groups only, not {problem.spec.group}"
                "; use exact or numeric")
    irrational = needs_rational(problem, "orbit")
    if irrational is not None:
        return irrational
    if not problem.signed_permutation:
        return (f"method orbit applies to signed-permutation representations only, "
                f"not to {problem.spec}; use exact or numeric")
    return None


def _check_size(problem: Problem, stream: bool) -> None:
    if stream:  # the larger, streaming limit first, from the sizes alone:
        problem.check_size(LIMITS["orbit_stream"], "orbit")  # streamable() builds structure
        if streamable(problem):
            _check_generator_memory(problem)
            return
    problem.check_size(LIMITS["orbit"], "orbit")


def _check_generator_memory(problem: Problem) -> None:
    """The generators are held whole (they are tables of dim_in + dim_out entries each):
    a lopsided streamed pattern such as ``S(100): V**5 -> 1`` would need more memory for
    them than for a band of its pattern.  Refused cleanly, before anything is built."""
    from ...budget import human, max_bytes
    from ...groups import group_generators

    count = len(group_generators(problem.spec.group)[0])
    need = count * (problem.dim_in + problem.dim_out) * GENERATOR_ENTRY_BYTES
    if need > max_bytes():
        raise TooLarge(f"{problem.spec}: its generators alone need about {human(need)} of "
                       f"memory, limit {human(max_bytes())} (see INTERTWINE_MAX_BYTES)")


def _memory(problem: Problem) -> int:
    if streamable(problem):  # written band by band
        return STREAM_BYTES + STREAM_BYTES_PER_INDEX * (problem.dim_in + problem.dim_out)
    return BYTES_PER_UNKNOWN * problem.entries


METHOD = register(Method(
    name="orbit", preference=0, exact=True, applies=_applies,
    limit=lambda problem: LIMITS["orbit"], memory=_memory, solve=solve_orbit,
    check_size=_check_size))
