"""The library interface: ``compute``, ``dim`` and ``load``.

>>> b = compute("C(4): V -> V")
>>> b.n_basis, b.method
(4, 'orbit')
>>> dim("S(1000): V**3 -> V**3")
203
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .problem import Problem

if TYPE_CHECKING:  # imported where used: `dim` must start without scipy
    from .basis import Basis
    from .spec import Spec

__all__ = ["compute", "dim", "load"]


def compute(spec: str | Spec, method: str = "auto", **options) -> Basis:
    """Compute a basis of the equivariant maps of ``spec``.

    ``method`` is ``auto``, ``orbit``, ``exact`` or ``numeric``; numeric takes the
    keyword ``tolerance``.  Raises ``ValueError`` (``SpecError``, ``TooLarge``,
    ``MethodError``) for input that cannot be computed.
    """
    from . import __version__
    from .basis import Basis, Generators
    from .solvers import choose_method, solve

    problem = Problem.from_spec(spec)
    chosen = choose_method(problem, method)
    result = solve(problem, chosen, **options)
    s = problem.spec
    generators = Generators(
        in_=[g.coo() for g in problem.discrete_in],  # scipy matrices when first read
        out=[g.coo() for g in problem.discrete_out],
        lie_in=list(problem.lie_in),
        lie_out=list(problem.lie_out),
    )
    attrs = dict(result.get("attrs", {}))
    attrs["intertwine_version"] = __version__
    return Basis(
        spec=str(s), group=str(s.group), rep_in=str(s.rep_in), rep_out=str(s.rep_out),
        dim_in=problem.dim_in, dim_out=problem.dim_out, n_basis=result["n_basis"],
        method=chosen, exact=chosen != "numeric",
        pattern=result.get("pattern"), coo=result.get("coo"),
        generators=generators, attrs=attrs,
    )


def dim(spec: str | Spec, method: str = "auto") -> int:
    """Dimension of the space of equivariant maps, from a closed form or a count where one
    is known (instant even for huge n), else by computing the basis."""
    from .counting import count, count_continuous

    problem = Problem.from_spec(spec)
    known = count(problem.spec) if problem.finite else count_continuous(problem.spec)
    if known is not None:
        return known
    return compute(problem.spec, method).n_basis


def load(path) -> Basis:
    """Read a basis file written by ``Basis.save`` (or any writer of the format)."""
    from .io import load as _load

    return _load(path)
