"""The ``exact`` method: exact bases over the rationals, by the route each problem allows.

Wigner 3j blocks take Racah's closed form (``wigner``), actions rational after a
square-root scaling are solved on their rational form (``sqrt``), everything else by
elimination (``exact``, which also holds the method's limits).  The route is chosen here,
above the three, so that each of them stays a plain solver.
"""

from __future__ import annotations

from ..problem import Problem
from .exact import solve_exact
from .registry import LIMITS, Method, needs_rational, register
from .result import SolveResult

__all__ = ["METHOD", "BYTES_PER_UNKNOWN"]

#: peak memory per unknown: 11-24 kB with sympy's elimination, less with the integer and
#: modular ones that replaced it; still estimated at 32 kB, on the safe side
BYTES_PER_UNKNOWN = 32 << 10


def _limit(problem: Problem) -> int:
    return LIMITS["exact_finite"] if problem.finite else LIMITS["exact"]


def _solve(problem: Problem, stream: bool = False, **other_methods_options) -> SolveResult:
    """As ``solve_exact`` with its defaults (a numeric ``tolerance`` is ignored); actions
    rational after a square-root scaling are solved on their rational form (``sqrt``),
    Wigner 3j blocks by Racah's closed form (``wigner``)."""
    if problem.exactness == "sqrt":
        from .wigner import solve_wigner, wigner_block

        block = wigner_block(problem.spec)
        if block is not None:
            return solve_wigner(*block)
        from .sqrt import solve_sqrt

        return solve_sqrt(problem)
    return solve_exact(problem, stream=stream)


#: auto takes exact up to its limit: for continuous groups, exact beats numeric at every
#: size where both run (bench/continuous.py); finite groups whose matrices are no signed
#: permutations go to numeric beyond the plain elimination's limit
METHOD = register(Method(
    name="exact", preference=1, exact=True,
    applies=lambda problem: needs_rational(problem, "exact"), limit=_limit,
    memory=lambda problem: BYTES_PER_UNKNOWN * problem.entries, solve=_solve,
    auto_takes=lambda problem: problem.entries <= _limit(problem)))
