"""The library interface: ``compute``, ``dim`` and ``load``.

>>> b = compute("C(4): V -> V")
>>> b.n_basis, b.method
(4, 'orbit')
>>> dim("S(1000): V**3 -> V**3")
203
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .problem import Problem, TooLarge

if TYPE_CHECKING:  # imported where used: `dim` must start without scipy
    from .basis import Basis
    from .decomposition.result import Decomposition
    from .solvers import SolveResult
    from .spec import Spec

__all__ = ["compute", "compute_to_file", "dim", "load"]


def compute(spec: str | Spec, method: str = "auto", **options) -> Basis:
    """Compute a basis of the equivariant maps of ``spec``.

    ``method`` is ``auto``, ``orbit``, ``exact`` or ``numeric``; numeric takes the
    keyword ``tolerance``.  Raises ``ValueError`` (``SpecError``, ``TooLarge``,
    ``MethodError``) for input that cannot be computed.
    """
    from .solvers import choose_method, solve

    problem = Problem.from_spec(spec)
    chosen = choose_method(problem, method)
    result = solve(problem, chosen, **options)
    return _basis(problem, chosen, result)


def compute_to_file(spec: str | Spec, path, method: str = "auto", *,
                    compression: str | None = None, progress=None,
                    partitions_only: bool = False, **options) -> dict:
    """Compute the basis of ``spec`` and write it to ``path`` (atomically, as
    ``Basis.save``); returns the root attributes written (as ``io.read_attributes``
    would read them, which it does not need to).

    Unlike ``compute(spec).save(path)``, the pattern of products of S(n) on (sums of)
    tensor monomials is never held whole: it is computed and written in bands of rows
    (``solvers.orbit.SymmetricPattern``), so its size is bounded by the disk
    (checked before writing) and by ``solvers.LIMITS["orbit_stream"]``, not by memory.
    Likewise a large exact or numeric basis is expanded from the orbit unknowns to W and
    written in blocks of elements (``solvers.exact.ExactCooSource``,
    ``solvers.gram_schmidt.NumericCooSource``): every method solves with ``stream``.
    The file is the same either way.  ``compression``: None or ``"gzip"``;
    ``progress``: see :func:`intertwine.io.save`.

    ``partitions_only``: write only the set-partition labels (encoding "partitions",
    see the file format in docs/), a file of a few kB that describes the layer for every n.
    """
    from .io import save
    from .solvers import choose_method, solve

    problem = Problem.from_spec(spec)
    if partitions_only:
        return save(partitions_basis(problem, method), path, compression=compression)
    chosen = choose_method(problem, method)
    # refused for its size from the spec alone, before anything is built
    basis = _basis(problem, chosen, solve(problem, chosen, stream=True, **options))
    return save(basis, path, compression=compression, progress=progress)


def check_size(problem: Problem, method: str) -> None:
    """Raise ``TooLarge`` (a ValueError) if :func:`compute_to_file` would refuse
    ``problem`` for its size with ``method`` (not ``auto``), before any work: streamed S(n)
    patterns have the streaming limits, everything else its solver's."""
    from .solvers import registry

    registry.method(method).refuse_if_too_large(problem, stream=True)


#: most elements a partitions-only file holds (labels are computed whole, ~16 B each)
_MAX_PARTITIONS = 10**7


def partitions_basis(spec: str | Spec | Problem, method: str = "auto") -> Basis:
    """The basis of ``spec`` as set-partition labels alone (encoding "partitions"): no
    pattern and no generators, so its size does not depend on n."""
    from .counting import independent_count
    from .partitions import Layout, compute_partitions
    from .solvers import registry

    problem = spec if isinstance(spec, Problem) else Problem.from_spec(spec)
    if Layout.of(problem.spec) is None:
        raise ValueError("--partitions-only applies to products of S(n) on sums of tensor "
                         f"monomials in V[i] and 1, not to {problem.spec}")
    if method != registry.AUTO and not (method in registry.names()
                                        and registry.method(method).exact):
        raise ValueError(f"--partitions-only describes the exact orbit basis: method "
                         f"{method} does not apply")
    count, _ = independent_count(problem.spec)
    if count is not None and count > _MAX_PARTITIONS:
        raise TooLarge(f"{problem.spec} has {count:.3g} basis elements; partition labels "
                       f"are written for at most {_MAX_PARTITIONS:.0e}")
    if max(problem.dim_in, problem.dim_out) >= 2**63:
        raise TooLarge(f"{problem.spec}: its dimensions do not fit the file's int64 "
                       "attributes; name a smaller n (every n >= the number of slots "
                       "gives the same labels)")
    from . import __version__
    from .basis import Basis

    s = problem.spec
    partitions = compute_partitions(s)
    return Basis(spec=str(s), group=str(s.group), rep_in=str(s.rep_in), rep_out=str(s.rep_out),
                 dim_in=problem.dim_in, dim_out=problem.dim_out, n_basis=len(partitions.labels),
                 method="orbit", exact=True, attrs={"intertwine_version": __version__},
                 parsed=s, partitions=partitions)


def _basis(problem: Problem, method: str, result: SolveResult) -> Basis:
    from . import __version__
    from .basis import Basis, Generators
    from .solvers import registry

    s = problem.spec
    exact = registry.method(method).exact
    partitions = None
    if exact and problem.finite:  # products of S(n) only
        from .partitions import compute_partitions

        partitions = compute_partitions(s)
    generators = Generators.of(problem)  # scipy matrices when first read
    attrs = dict(result.attrs)
    attrs["intertwine_version"] = __version__
    return Basis(
        spec=str(s), group=str(s.group), rep_in=str(s.rep_in), rep_out=str(s.rep_out),
        dim_in=problem.dim_in, dim_out=problem.dim_out, n_basis=result.n_basis,
        method=method, exact=exact, pattern=result.pattern, coo=result.coo,
        generators=generators, attrs=attrs, parsed=s, partitions=partitions,
    )


def dim(spec: str | Spec, method: str = "auto") -> int:
    """Dimension of the space of equivariant maps, from a closed form or a count where one
    is known (instant even for huge n), else by computing the basis."""
    from .counting import independent_count

    problem = Problem.from_spec(spec)
    known, _ = independent_count(problem.spec)
    if known is not None:
        return known
    return compute(problem.spec, method).n_basis


def load(path) -> Basis | Decomposition:
    """Read a basis file written by ``Basis.save`` (or any writer of the format), or a
    decomposition file of ``intertwine decompose`` (a ``Decomposition``)."""
    from .decomposition.files import is_decomposition
    from .io import load as _load

    if is_decomposition(path):
        from .decomposition.files import load as load_decomposition

        return load_decomposition(path)
    return _load(path)
