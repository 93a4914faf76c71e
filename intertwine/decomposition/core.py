"""``decompose(spec) -> Decomposition``: a representation into irreducibles, with the
change of basis Q (Q ρ_REP(g) = ρ_IRREPS(g) Q, Qᵀ Q = M; see docs/decompose.rst).

>>> d = decompose("D(4): sym(V, 2)")
>>> d.irreps_string, d.dim, d.method, d.exact_values
('3*irr(0, 0) + 2*irr(0, 2) + 2*irr(1, 1) + irr(1, 2)', 10, 'exact', 'sqrt')
>>> q = d.change_of_basis()
>>> bool(np.allclose(q.T @ q, np.diag(d.weights())))
True
"""

from __future__ import annotations

import numpy as np

# (light modules that every decomposition uses; the solvers are imported where used)
from .. import __version__
from ..api import check_size, compute
from ..basis import Generators
from ..coo import Coo
from ..errors import TooLarge
from ..problem import Problem
from ..reps import dimension
from .build import exact_copies, numeric_copies, ratios
from .families import multiplicities
from .field import parse_field
from .gram import coordinate_weights, square_ratios
from .result import Decomposition, irreps_string

__all__ = ["Decomposition", "decompose", "irreps_only", "choose_method", "irreps_string",
           "DECOMPOSE_METHODS"]

DECOMPOSE_METHODS = ("auto", "exact", "numeric")

#: decompose's continuous systems go to the C elimination from this many unknowns (basis
#: files keep the solver's own threshold, and so their ``exact_elimination``): the
#: system of REP -> I_1 + I_2 + ... is many independent blocks, one per irrep, which the
#: C elimination takes faster than Python's from about 50 unknowns on
#: ((2*0e + 1o + 2e)**2: 8.8 -> 5.6 ms)
MODULAR_FROM = 50


def _irreps_of(spec):
    """(the parsed field, its dimension, [(irrep, multiplicity)]); a ValueError for a
    0-dimensional REP, and where the irreps found do not cover REP (a family that misses
    irreps: never silently a partial Q)."""
    f = parse_field(spec)
    total = dimension(f.rep, f.group)
    if total == 0:
        raise ValueError(f"{f} has dimension 0: nothing to decompose")
    found = multiplicities(f)
    covered = sum(irrep.dim * m for irrep, m in found)
    if covered != total:
        raise ValueError(f"{f}: the irreducible representations found cover dimension "
                         f"{covered} of {total}")
    return f, total, found


def irreps_only(spec, method: str = "auto") -> Decomposition:
    """The irreps and their multiplicities alone (from characters), no change of basis:
    what ``intertwine decompose`` prints without ``-o``.  ``coo`` is None."""
    f, total, found = _irreps_of(spec)
    chosen = choose_method(f, method, found)
    return Decomposition(group=str(f.group), rep=str(f.rep),
                         irreps=[(irrep.label, m) for irrep, m in found],
                         irrep_dims=[irrep.dim for irrep, _ in found], dim=total,
                         method=chosen, exact=chosen == "exact", coo=None)


def choose_method(spec, method: str = "auto", found=None) -> str:
    """``exact`` or ``numeric``: what ``decompose(spec, method)`` runs.  ``auto`` is exact
    where REP and the irreps it contains are; ``exact`` elsewhere is a MethodError that
    names the representation with irrational matrices."""
    _check_method(method)
    if method == "numeric":
        return method
    f = parse_field(spec)
    found = multiplicities(f) if found is None else found
    return _choose(method, found, [Problem.from_spec(f.spec_to(irrep.label))
                                   for irrep, _ in found])


def _check_method(method: str) -> None:
    if method not in DECOMPOSE_METHODS:
        from ..solvers import MethodError

        raise MethodError(f"unknown method {method!r}; choose one of "
                          f"{', '.join(DECOMPOSE_METHODS)}")


def _choose(method: str, found, problems) -> str:
    """``choose_method`` for the problems Hom(REP, I) of the irreps ``found``."""
    from ..solvers import choose_method as choose_solver
    from ..solvers import limit

    if method == "numeric":
        return method
    if method == "exact":
        for problem in problems:
            choose_solver(problem, "exact")  # raises, naming what is irrational
        return method
    exact = all(p.exactness != "float" and irrep.exact for p, (irrep, _) in zip(problems, found))
    # as ``basis`` does: auto turns numeric where an exact solve would be too large
    if exact and any(p.entries > limit(p, _solver(p)) for p in problems):
        return "numeric"
    return "exact" if exact else "numeric"


def decompose(spec, method: str = "auto") -> Decomposition:
    """Decompose ``"GROUP : REP"`` into irreducibles, with its change of basis.

    ``method``: ``auto`` (exact where REP and its irreps are exact), ``exact`` or
    ``numeric``.  A ValueError (SpecError, MethodError, TooLarge) for what cannot be done.
    """
    _check_method(method)
    f, total, found = _irreps_of(spec)
    problems = [Problem.from_spec(f.spec_to(irrep.label)) for irrep, _ in found]
    exact = _choose(method, found, problems) == "exact"
    weights = coordinate_weights(f.rep, f.group)
    weight_ratios = ratios(weights)
    together = _all_irreps_problem(f, found) if exact else None
    if together is None:  # (the one problem, within its limit, holds each of these)
        for problem in problems:
            check_size(problem, _solver(problem) if exact else "numeric")  # before any work
    bases = _split(together, found) if together is not None else \
        (_rational_basis(problem, m) if exact else compute(problem.spec, "numeric")
         for problem, (_, m) in zip(problems, found))
    parts, offset = [], 0
    for problem, (irrep, m), basis in zip(problems, found, bases):
        if exact:
            elements, n_basis, rep_squares, irrep_squares = basis
            parts.append(exact_copies(elements, n_basis, weight_ratios, irrep.dim, offset,
                                      rep_squares, irrep_squares))
        else:
            n_basis = basis.n_basis
            parts.append(numeric_copies(basis, weights, irrep.dim, offset))
        if n_basis != m:
            raise ValueError(f"{problem.spec}: {n_basis} basis elements where the "
                             f"characters count {m}")
        offset += irrep.dim * m
    coo = _concatenate(parts, exact)
    irreps = [(irrep.label, m) for irrep, m in found]
    whole = Problem.from_spec(f.spec_to(irreps_string(irreps)))
    # the same spec as a problem above (each irrep once): its sizes are worked out there
    whole = next((p for p in (together, *problems) if p is not None and p.spec == whole.spec),
                 whole)
    return Decomposition(group=str(f.group), rep=str(f.rep), irreps=irreps,
                         irrep_dims=[irrep.dim for irrep, _ in found], dim=total,
                         method="exact" if exact else "numeric", exact=exact, coo=coo,
                         generators=Generators.of(whole, when_read=True),
                         attrs={"intertwine_version": __version__})


def _all_irreps_problem(f, found):
    """``GROUP: REP -> I_1 + I_2 + ...`` (each irrep once), where its exact solve is
    within the solver's limits, else None.  Its intertwiners are those of the
    Hom(REP, I_k) side by side in disjoint rows, so its RREF basis is theirs, in order:
    one solve (one orbit reduction, one elimination) instead of one per irrep."""
    if len(found) == 1:
        return None
    problem = Problem.from_spec(f.spec_to(irreps_string([(irrep.label, 1)
                                                         for irrep, _ in found])))
    try:
        check_size(problem, _solver(problem))
    except TooLarge:
        return None
    return problem


def _split(problem, found):
    """The exact bases of each Hom(REP, I_k) from that of ``_all_irreps_problem``: the
    elements whose rows lie in I_k's block, as ``_rational_basis`` gives them."""
    coo, n_basis, rep_squares, irrep_squares = _rational_basis(
        problem, sum(m for _, m in found))
    bounds = np.cumsum([0] + [irrep.dim for irrep, _ in found])
    block = np.searchsorted(bounds, coo.row, side="right") - 1
    for k in range(len(found)):
        mine = np.flatnonzero(block == k)
        index = coo.index[mine]
        first = int(index.min()) if len(mine) else 0
        part = Coo(index - first, coo.row[mine] - bounds[k], coo.col[mine],
                   coo.value[mine],
                   None if coo.numerator is None else coo.numerator[mine],
                   None if coo.denominator is None else coo.denominator[mine])
        squares = None if irrep_squares is None else \
            tuple(a[bounds[k]:bounds[k + 1]] for a in irrep_squares)
        yield part, (int(index.max()) - first + 1 if len(mine) else 0), rep_squares, squares


def _solver(problem) -> str:
    """The exact solver for Hom(REP, I): orbits where they apply (the same RREF)."""
    if not problem.finite:  # the orbit solver is for finite groups
        return "exact"
    from ..solvers import choose_method as choose_solver

    return "orbit" if choose_solver(problem, "auto") == "orbit" else "exact"


def _rational_basis(problem, multiplicity: int):
    """The exact RREF basis of Hom(REP, I) (coo entries of rational elements, and their
    number), with the squares of the scalings of REP and I (None where they are
    rational): for square-root-exact problems the basis of the rational form
    (``solvers/sqrt.py``), which Gram–Schmidt turns into the same copies (see
    ``build.exact_copies``)."""
    if problem.exactness == "sqrt":
        from ..solvers.exact import solve_exact

        result = solve_exact(problem.rational_form(), stream=False, nullity=multiplicity,
                             modular_from=MODULAR_FROM)
        rep_side, irrep_side = problem.squares
        return (result.coo, result.n_basis, square_ratios(rep_side),
                square_ratios(irrep_side))
    if not problem.finite:  # the exact solver, told the count (compute would count)
        from ..solvers.exact import solve_exact

        result = solve_exact(problem, stream=False, nullity=multiplicity,
                             modular_from=MODULAR_FROM)
        return result.coo, result.n_basis, None, None
    basis = compute(problem.spec, _solver(problem))
    return basis.entries(), basis.n_basis, None, None


def _concatenate(parts: list[Coo], exact: bool) -> Coo:
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    return Coo(cat("index"), cat("row"), cat("col"), cat("value"),
               cat("numerator") if exact else None, cat("denominator") if exact else None)
