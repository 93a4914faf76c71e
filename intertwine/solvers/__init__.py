"""One interface over the solvers: ``solve(problem, method) -> SolveResult``.

Each method is a module of this package that registers itself (``registry.Method``):
``orbit``, ``exact`` and ``numeric`` today.  Each solver returns a :class:`SolveResult`:
``n_basis`` and a ``pattern`` or ``coo`` entries, with ``attrs`` (diagnostics that go
into the file).
"""

from __future__ import annotations

import importlib
import pkgutil

from ..problem import Problem
from .registry import AUTO, LIMITS, Method, choices, method, names, register
from .result import SolveResult

# Every module of this package that is not one of these parts is a method, which
# registers itself on import: adding a method is adding a module, nothing else.
_PARTS = {"registry", "result", "reduce", "labels", "integer", "modular", "gram_schmidt",
          "accuracy", "_modular"}
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _PARTS:
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["METHODS", "LIMITS", "choose_method", "solve", "MethodError", "limit", "SolveResult",
           "Method", "method", "register"]

#: ``auto`` and the methods of this package, by preference (``registry.names()`` also
#: has those registered later, from outside it: what ``--method`` accepts)
METHODS = (AUTO,) + names()


class MethodError(ValueError):
    """A method that does not apply to the spec."""


def choose_method(problem: Problem, method_name: str = AUTO) -> str:
    """``method_name`` if it applies to ``problem`` (else MethodError, saying why); for
    ``auto``, the first method by preference that applies and that auto takes."""
    if method_name != AUTO:
        if method_name not in names():
            raise MethodError(f"unknown method {method_name!r}; choose one of "
                              f"{', '.join(choices())}")
        reason = method(method_name).applies(problem)
        if reason is not None:
            raise MethodError(reason)
        return method_name
    for name in names():
        m = method(name)
        if m.applies(problem) is None and m.auto_takes(problem):
            return name
    raise MethodError(f"no method applies to {problem.spec}")


def limit(problem: Problem, method_name: str) -> int:
    """The most unknowns ``method_name`` takes for this problem."""
    return method(method_name).limit(problem)


def solve(problem: Problem, method_name: str, **options) -> SolveResult:
    """Solve with ``method_name`` (not ``auto``), after refusing a problem too large for
    it; ``stream=True``: a large result may be a source that ``io.save`` writes block by
    block (an S(n) pattern, an expanded exact or numeric basis), with the limits of that."""
    m = method(method_name)
    m.refuse_if_too_large(problem, stream=options.get("stream", False))
    return m.solve(problem, **options)
