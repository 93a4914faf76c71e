"""Checks of a basis from its own contents: what ``intertwine verify`` runs.

Each check yields ``(passed, message)`` with passed True, False, or None (skipped).
Nothing here trusts the solver that wrote the file: equivariance is re-evaluated with
the stored generator matrices, independence from the values, and the count from an
independent formula where one is known: characters and Stirling numbers for finite
groups, representation theory (``counting.count_continuous``: Brauer-type walks over
partitions, Schur-Weyl duality) for continuous ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from .basis import Basis

__all__ = ["verify_basis", "equivariance_residual"]


def _stacked(b: Basis) -> sp.csr_matrix:
    """All B_k on top of each other: shape (n_basis * dim_out, dim_in)."""
    c = b.entries()
    return sp.csr_matrix((c.value, (c.index * b.dim_out + c.row, c.col)),
                         shape=(b.n_basis * b.dim_out, b.dim_in))


def equivariance_residual(b: Basis) -> tuple[float, int]:
    """max |rho_out(g) B_k - B_k rho_in(g)| over stored generators; and their number."""
    if b.n_basis == 0:
        return 0.0, 0
    stacked = _stacked(b)
    eye = sp.identity(b.n_basis, format="csr")
    pairs = list(zip(b.generators.out, b.generators.in_))
    pairs += list(zip(b.generators.lie_out, b.generators.lie_in))
    worst = 0.0
    for g_out, g_in in pairs:
        diff = sp.kron(eye, g_out, format="csr") @ stacked - stacked @ g_in
        if diff.nnz:
            worst = max(worst, float(np.abs(diff.data).max()))
    return worst, len(pairs)


def _independence(b: Basis) -> tuple[bool, str]:
    if b.pattern is not None:
        labels = b.pattern[b.pattern >= 0].astype(np.int64, copy=False)
        used = int(np.count_nonzero(np.bincount(labels, minlength=b.n_basis)))
        ok = used == b.n_basis
        return ok, ("disjoint supports, every element nonzero" if ok else
                    f"only {used} of {b.n_basis} pattern elements occur")
    s = b.sparse().tocsr()
    eye = sp.identity(b.n_basis, format="csr")
    if b.exact:  # sparse throughout: an exact basis may have 10**5 elements
        if (np.diff(s.indptr) == 0).any():
            return False, "some basis element is zero"
        lead = np.minimum.reduceat(s.indices, s.indptr[:-1]) if b.n_basis else s.indices
        if np.all(np.diff(lead) > 0) and (s[:, lead] - eye).count_nonzero() == 0:
            return True, "reduced row-echelon form (leading ones, distinct pivots)"
        return False, "not in reduced row-echelon form"
    off = (s @ s.T - eye).tocsr()
    err = float(np.abs(off.data).max()) if off.nnz else 0.0
    return err < 1e-9, f"orthonormal (max |<B_i, B_j> - delta_ij| = {err:.1e})"


def _generator_check(b: Basis) -> tuple[bool | None, str]:
    """The stored generators must be the ones the spec defines (else any W could pass)."""
    from .problem import Problem

    try:
        p = Problem(b.parsed_spec)
        p.check_size(10**9, "verify")
        if (p.dim_in, p.dim_out) != (b.dim_in, b.dim_out):
            return False, (f"shape ({b.dim_out}, {b.dim_in}) does not match the spec's "
                           f"({p.dim_out}, {p.dim_in})")
        expected_in = [g.matrix() for g in p.discrete_in] + list(p.lie_in)
        expected_out = [g.matrix() for g in p.discrete_out] + list(p.lie_out)
    except ValueError as e:
        return None, f"stored generators not compared ({e})"
    stored_in = b.generators.in_ + b.generators.lie_in
    stored_out = b.generators.out + b.generators.lie_out
    same = (len(stored_in) == len(expected_in) and len(stored_out) == len(expected_out)
            and all((abs(x - y)).max() == 0 if x.shape == y.shape else False
                    for x, y in zip(stored_in + stored_out, expected_in + expected_out)))
    return same, ("stored generators are those of the spec" if same else
                  "stored generators differ from those of the spec")


#: a partitions-only file is expanded and checked whole up to this many entries
_EXPAND_ENTRIES = 1 << 22


def _expanded(b: Basis) -> Basis | None:
    """A partitions-only basis as an ordinary pattern basis with its spec's generators,
    where its pattern is small enough to check whole."""
    from dataclasses import replace

    from .basis import Generators
    from .partitions import expand_pattern
    from .problem import Problem

    if b.dim_in * b.dim_out > _EXPAND_ENTRIES:
        return None
    p = Problem(b.parsed_spec)
    gens = Generators(in_=[g.coo() for g in p.discrete_in], out=[g.coo() for g in p.discrete_out])
    return replace(b, pattern=expand_pattern(b), generators=gens)


def verify_basis(b: Basis) -> Iterator[tuple[bool | None, str]]:
    from .partitions import partition_checks

    if b.encoding == "partitions":  # labels only: check what they expand to, if small
        whole = _expanded(b)
        if whole is None:
            yield None, (f"pattern at n of the spec ({b.dim_out} x {b.dim_in}) too large to "
                         "expand; labels and count checked")
        else:
            residual, n_gens = equivariance_residual(whole)
            yield residual == 0, (f"expanded pattern equivariant under the spec's {n_gens} "
                                  f"generators (max residual {residual:.1e})")
            yield _independence(whole)
        yield from partition_checks(b)
        yield from _count_check(b)
        return
    tol = 1e-9 if b.exact else 1e-8
    residual, n_gens = equivariance_residual(b)
    yield residual <= tol, (f"equivariant under {n_gens} stored generators "
                            f"(max residual {residual:.1e})")
    yield _independence(b)
    yield _generator_check(b)
    yield from _count_check(b)
    if b.partitions is not None:
        yield from partition_checks(b)


def _count_check(b: Basis) -> Iterator[tuple[bool | None, str]]:
    from .counting import independent_count

    try:
        spec = b.parsed_spec
    except ValueError as e:
        yield False, f"spec does not parse: {e}"
        return
    expected, source = independent_count(spec)
    if expected is None:
        yield None, "no independent count known for this group"
    else:
        yield expected == b.n_basis, (f"{b.n_basis} elements, independent count "
                                      f"({source}) {expected}")
