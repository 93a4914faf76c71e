"""One interface over the three solvers: ``solve(problem, method) -> SolveResult``.

Each solver returns a :class:`SolveResult`: ``n_basis`` and a ``pattern`` or ``coo``
entries, with ``attrs`` (diagnostics that go into the file).
"""

from __future__ import annotations

from ..problem import Problem
from .result import SolveResult

__all__ = ["METHODS", "LIMITS", "choose_method", "solve", "MethodError", "limit", "SolveResult"]

METHODS = ("auto", "orbit", "exact", "numeric")

#: the largest number of unknowns (dim_out * dim_in) each method takes on this machine
LIMITS = {
    "orbit": 4 * 10**8,       # graph/partition arrays: about 20-40 bytes per unknown
    # S(n) closed form written band by band (api.compute_to_file): memory is one band,
    # so only time (about 10**8 entries/s) and the free disk space bound it
    "orbit_stream": 10**12,
    # continuous groups first shrink to the orbits of a finite subgroup, then eliminate
    # modulo a prime in C with an exact proof (solvers/modular.py; Python ints in
    # solvers/integer.py for small systems or without the extension): SO(3): V**6 -> V**6
    # (531,441 unknowns) takes about 18 s and 1.5 GiB with the file written (130 s in
    # Python ints).  Finite groups keep the plain elimination (an independent check of
    # the orbit solver).
    "exact": 11 * 10**5,
    "exact_finite": 3 * 10**4,
    # orbits first (finite groups: nothing else); the dense Gram matrix of what is left
    # is bounded separately by numeric.MAX_DENSE_UNKNOWNS
    "numeric": 2 * 10**6,
}
#: auto uses the exact solver for continuous groups up to this many unknowns (measured
#: in bench/continuous.py: exact beats numeric at every size where both run)
AUTO_EXACT = LIMITS["exact"]


class MethodError(ValueError):
    """A method that does not apply to the spec."""


def choose_method(problem: Problem, method: str = "auto") -> str:
    if method not in METHODS:
        raise MethodError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "orbit" and not problem.finite:
        raise MethodError(f"method orbit applies to finite groups only, not {problem.spec.group}"
                          "; use exact or numeric")
    if method in ("orbit", "exact") and not problem.rational:
        raise MethodError(f"method {method} needs rational matrices, and "
                          f"{_irrational_atom(problem)} has irrational ones; use numeric")
    if method == "orbit" and not problem.signed_permutation:
        raise MethodError(f"method orbit applies to signed-permutation representations only, "
                          f"not to {problem.spec}; use exact or numeric")
    if method != "auto":
        return method
    if problem.finite and problem.signed_permutation:
        return "orbit"
    if not problem.rational:
        return "numeric"
    if problem.finite:  # integer matrices that are no signed permutations
        return "exact" if problem.entries <= LIMITS["exact_finite"] else "numeric"
    return "exact" if problem.entries <= AUTO_EXACT else "numeric"


def _irrational_atom(problem: Problem) -> str:
    """The first representation of the spec whose matrices are irrational, with its group
    (``irr(1) of C(8)``), to name in the error."""
    group = problem.spec.group
    todo = [problem.spec.rep_in, problem.spec.rep_out]
    while todo:
        rep = todo.pop(0)
        if not rep.rational(group):
            if not rep.children:
                factor = getattr(rep, "factor", None)
                return f"{rep} of {group.factors[factor]}" if factor is not None else str(rep)
            todo = list(rep.children)
    return str(problem.spec)


def limit(problem: Problem, method: str) -> int:
    """The most unknowns ``method`` takes for this problem."""
    if method == "exact" and problem.finite:
        return LIMITS["exact_finite"]
    return LIMITS[method]


def solve(problem: Problem, method: str, **options) -> SolveResult:
    problem.check_size(limit(problem, method), method)
    if method == "orbit":
        from .orbit import solve_orbit
        return solve_orbit(problem)
    if method == "exact":
        if problem.exactness == "sqrt":  # square roots: on the rational form
            from .sqrt import solve_sqrt
            return solve_sqrt(problem)
        from .exact import solve_exact
        return solve_exact(problem, stream=options.get("stream", False))
    from .numeric import solve_numeric
    return solve_numeric(problem, **options)
