"""One interface over the three solvers: ``solve(problem, method) -> dict``.

Each solver returns ``{"n_basis": N, "pattern": array}`` or ``{"n_basis": N, "coo":
Coo}``, optionally with ``"attrs"`` (diagnostics that go into the file).
"""

from __future__ import annotations

from ..problem import Problem

__all__ = ["METHODS", "LIMITS", "choose_method", "solve", "MethodError"]

METHODS = ("auto", "orbit", "exact", "numeric")

#: the largest number of unknowns (dim_out * dim_in) each method takes on this machine
LIMITS = {
    "orbit": 4 * 10**8,       # graph/partition arrays: about 20-40 bytes per unknown
    "exact": 3 * 10**4,       # sympy elimination in pure Python
    "numeric": 5000,          # dense Gram matrix and eigh: O(unknowns^3)
}
#: auto uses the exact solver for continuous groups up to this many unknowns
AUTO_EXACT = 3 * 10**4


class MethodError(ValueError):
    """A method that does not apply to the spec."""


def choose_method(problem: Problem, method: str = "auto") -> str:
    if method not in METHODS:
        raise MethodError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "orbit" and not problem.finite:
        raise MethodError(f"method orbit applies to finite groups only, not {problem.spec.group}"
                          "; use exact or numeric")
    if method != "auto":
        return method
    if problem.finite:
        return "orbit"
    return "exact" if problem.entries <= AUTO_EXACT else "numeric"


def solve(problem: Problem, method: str, **options) -> dict:
    problem.check_size(LIMITS[method], method)
    if method == "orbit":
        from .orbit import solve_orbit
        return solve_orbit(problem)
    if method == "exact":
        from .exact import solve_exact
        return solve_exact(problem)
    from .numeric import solve_numeric
    return solve_numeric(problem, **options)
