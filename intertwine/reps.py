"""Matrices of representation expressions, built from the group's generators.

Discrete generators act on every expression by signed permutations (tensor products
and sums of signed permutations are signed permutations, and their dual is
themselves), so ``rho(g)`` is two integer arrays, never a dense matrix.  Lie-algebra
generators act by sparse integer matrices: ``d(R*Q) = dR (x) I + I (x) dQ``,
``d dual(R) = -dR^T``, ``d det = trace``.

The coordinate conventions are the contract's: sums put the left summand first,
tensor products are row-major (numpy.kron), ``k*R`` is copy-major.

>>> from intertwine.spec import parse_group, parse_rep
>>> g = parse_group("C(3)")
>>> [p.perm.tolist() for p in discrete_action(parse_rep("V + 1", g), g)]
[[1, 2, 0, 3]]
>>> dimension(parse_rep("2*V**3 + det", g), g)
55
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

import numpy as np

from .groups import SignedPerm, group_generators, subgroup_generators
from .spec import Defining, Det, Dual, Field, Group, Power, Rep, Sum, Tensor, Trivial

if TYPE_CHECKING:  # imported where used: finite groups have no Lie algebra
    import scipy.sparse as sp

__all__ = ["dimension", "discrete_action", "lie_action", "subgroup_action"]


def dimension(rep: Rep, group: Group) -> int:
    """Dimension as an exact Python integer (it may be far too large to build)."""
    if isinstance(rep, Trivial):
        return rep.k
    if isinstance(rep, Defining):
        return group.factors[rep.factor].degree
    if isinstance(rep, Det):
        return 1
    if isinstance(rep, Field):
        from .fields import field_dimension

        return field_dimension(rep.name, rep.args, group.factors[rep.factor])
    if isinstance(rep, Dual):
        return dimension(rep.rep, group)
    if isinstance(rep, Sum):
        return sum(dimension(t, group) for t in rep.terms)
    if isinstance(rep, Tensor):
        return prod(dimension(f, group) for f in rep.factors)
    if isinstance(rep, Power):
        return dimension(rep.base, group) ** rep.k
    raise TypeError(rep)


# ----------------------------------------------------------------------------- discrete

def _tensor(a: SignedPerm, b: SignedPerm) -> SignedPerm:
    perm = (a.perm[:, None] * b.size + b.perm[None, :]).ravel()
    if a.sign is None and b.sign is None:
        return SignedPerm(perm)
    sa = np.ones(a.size, np.int8) if a.sign is None else a.sign
    sb = np.ones(b.size, np.int8) if b.sign is None else b.sign
    return SignedPerm(perm, np.multiply.outer(sa, sb).ravel())


def _direct_sum(parts: list[SignedPerm]) -> SignedPerm:
    offsets = np.cumsum([0] + [p.size for p in parts[:-1]])
    perm = np.concatenate([p.perm + o for p, o in zip(parts, offsets)])
    if all(p.sign is None for p in parts):
        return SignedPerm(perm)
    sign = np.concatenate([np.ones(p.size, np.int8) if p.sign is None else p.sign
                           for p in parts])
    return SignedPerm(perm, sign)


def _act(rep: Rep, group: Group, factor: int, g: SignedPerm, cache: dict,
         position: int | None = None) -> SignedPerm:
    """rho(g) for generator g of factor ``factor``; ``position``: g's place among that
    factor's discrete generators (None for the extra subgroup generators)."""
    key = rep
    if key in cache:
        return cache[key]
    if isinstance(rep, Trivial):
        out = SignedPerm.identity(rep.k)
    elif isinstance(rep, Field):
        out = _field_act(rep, group, factor, position)
    elif isinstance(rep, Defining):
        out = g if rep.factor == factor else SignedPerm.identity(group.factors[rep.factor].degree)
    elif isinstance(rep, Det):
        d = g.det() if rep.factor == factor else 1
        out = SignedPerm(np.zeros(1, np.int64), None if d == 1 else np.array([-1], np.int8))
    elif isinstance(rep, Dual):  # signed permutations are orthogonal: rho^-T = rho
        out = _act(rep.rep, group, factor, g, cache, position)
    elif isinstance(rep, Sum):
        out = _direct_sum([_act(t, group, factor, g, cache, position) for t in rep.terms])
    elif isinstance(rep, Tensor):
        out = _act(rep.factors[0], group, factor, g, cache, position)
        for f in rep.factors[1:]:
            out = _tensor(out, _act(f, group, factor, g, cache, position))
    elif isinstance(rep, Power):
        base = _act(rep.base, group, factor, g, cache, position)
        out = SignedPerm.identity(1)
        for _ in range(rep.k):
            out = _tensor(out, base)
    else:
        raise TypeError(rep)
    cache[key] = out
    return out


def _field_act(rep: Field, group: Group, factor: int, position: int | None) -> SignedPerm:
    from .fields import field_dimension, field_generators, field_rational

    f = group.factors[rep.factor]
    if rep.factor != factor or position is None:  # another factor's generator: identity
        return SignedPerm.identity(field_dimension(rep.name, rep.args, f))
    if not field_rational(rep.name, rep.args, f):
        raise ValueError(f"{rep} of {f} is not rational: use the numeric method")
    perm, sign = field_generators(rep.name, rep.args, f)[position]
    return SignedPerm(np.asarray(perm, np.int64), sign)


def discrete_action(rep: Rep, group: Group) -> list[SignedPerm]:
    """``rho(g)`` for each discrete generator g of the group, in generator order."""
    discrete, _ = group_generators(group)
    positions = [sum(1 for j, _ in discrete[:k] if j == i) for k, (i, _) in enumerate(discrete)]
    return [_act(rep, group, i, g, {}, p) for (i, g), p in zip(discrete, positions)]


def subgroup_action(rep: Rep, group: Group) -> list[SignedPerm]:
    """``rho(h)`` for the extra subgroup generators h (``groups.subgroup_generators``)."""
    return [_act(rep, group, i, g, {}) for i, g in subgroup_generators(group)]


# ----------------------------------------------------------------------------- Lie algebra

def _lie(rep: Rep, group: Group, factor: int, a: sp.csr_matrix, cache: dict) -> sp.csr_matrix:
    import scipy.sparse as sp

    if rep in cache:
        return cache[rep]
    if isinstance(rep, Trivial | Field):  # fields live on finite factors: no Lie algebra
        n = dimension(rep, group)
        out = sp.csr_matrix((n, n), dtype=np.int64)
    elif isinstance(rep, Defining):
        n = group.factors[rep.factor].degree
        out = a if rep.factor == factor else sp.csr_matrix((n, n), dtype=np.int64)
    elif isinstance(rep, Det):
        out = sp.csr_matrix([[int(a.diagonal().sum()) if rep.factor == factor else 0]],
                            dtype=np.int64)
    elif isinstance(rep, Dual):
        out = (-_lie(rep.rep, group, factor, a, cache).T).tocsr()
    elif isinstance(rep, Sum):
        out = sp.block_diag([_lie(t, group, factor, a, cache) for t in rep.terms],
                            format="csr", dtype=np.int64)
    elif isinstance(rep, Tensor | Power):
        parts = rep.factors if isinstance(rep, Tensor) else (rep.base,) * rep.k
        out = sp.csr_matrix((1, 1), dtype=np.int64)
        for p in parts:
            m = _lie(p, group, factor, a, cache)
            out = (sp.kron(out, sp.identity(m.shape[0], np.int64))
                   + sp.kron(sp.identity(out.shape[0], np.int64), m)).tocsr()
    else:
        raise TypeError(rep)
    out.eliminate_zeros()
    cache[rep] = out
    return out


def lie_action(rep: Rep, group: Group) -> list[sp.csr_matrix]:
    """``d rho(A)`` for each Lie-algebra generator A, as sparse integer matrices."""
    _, lie = group_generators(group)
    return [_lie(rep, group, i, a, {}) for i, a in lie]
