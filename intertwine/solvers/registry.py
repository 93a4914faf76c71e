"""Methods as plug-ins: one module per method registers a :class:`Method` by name.

A method says when it applies to a problem (``applies``: None, or the reason it does
not, which the user reads), how many unknowns it takes (``limit``), about how much
memory a run needs (``memory``, for ``batch``'s scheduler) and how it solves
(``solve``).  Everything that chooses, checks or names methods (``choose_method``,
``api``, ``batch``, the command line's choices) asks this registry, so adding a method
is adding a module to ``solvers/``.  The registry itself imports nothing heavy: a method
module imports its solver's dependencies (scipy, sympy) where it solves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..problem import Problem
    from .result import SolveResult

__all__ = ["Method", "register", "method", "names", "LIMITS", "AUTO", "needs_rational",
           "choices"]

AUTO = "auto"

#: the largest number of unknowns (dim_out * dim_in) each method takes on this machine,
#: filled in by the method modules (their comments say how each was measured); read at
#: each use, so that a test may lower one
LIMITS: dict[str, int] = {}


@dataclass(frozen=True)
class Method:
    """One way to compute a basis.

    ``preference``: ``auto`` takes the first method, by preference, that applies and
    that ``auto_takes``.  ``exact``: its files hold exact values (the orbit and exact
    solvers) rather than floats.  ``options``: the keyword options its ``solve`` takes
    besides ``stream`` (which every method accepts: a result written block by block).
    ``check_size`` refuses (``TooLarge``) before anything is built; by default against
    ``limit``.
    """

    name: str
    preference: int
    exact: bool
    applies: Callable[[Problem], str | None]
    limit: Callable[[Problem], int]
    memory: Callable[[Problem], int]
    solve: Callable[..., SolveResult]
    auto_takes: Callable[[Problem], bool] = lambda problem: True
    options: frozenset[str] = frozenset()
    check_size: Callable[[Problem, bool], None] | None = field(default=None)

    def refuse_if_too_large(self, problem: Problem, stream: bool = False) -> None:
        """Raise ``TooLarge`` if ``problem`` is too large for this method (``stream``:
        written block by block, as ``api.compute_to_file`` does), from its sizes alone."""
        if self.check_size is not None:
            self.check_size(problem, stream)
        else:
            problem.check_size(self.limit(problem), self.name)


_REGISTRY: dict[str, Method] = {}


def register(m: Method) -> Method:
    """Add ``m`` under its name (once); returns it, so that a module may keep it."""
    if m.name in _REGISTRY or m.name == AUTO:
        raise ValueError(f"method {m.name!r} is taken (registered twice, or 'auto')")
    _REGISTRY[m.name] = m
    return m


def names() -> tuple[str, ...]:
    """The registered methods, by preference (``auto`` not included)."""
    return tuple(m.name for m in sorted(_REGISTRY.values(), key=lambda m: m.preference))


def choices() -> tuple[str, ...]:
    """What a method option accepts: ``auto`` and the registered methods, by preference."""
    return (AUTO,) + names()


def method(name: str) -> Method:
    """The method registered as ``name`` (KeyError if none is; ``solvers.choose_method``
    says so to users)."""
    return _REGISTRY[name]


def needs_rational(problem: Problem, name: str) -> str | None:
    """For a method that computes in exact arithmetic: None if every matrix of the
    problem is rational (``Problem.rational``), else the reason the method does not apply,
    naming the first representation whose matrices are irrational."""
    if problem.rational:
        return None
    return (f"method {name} needs rational matrices, and {_irrational_atom(problem)} has "
            "irrational ones; use numeric")


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
