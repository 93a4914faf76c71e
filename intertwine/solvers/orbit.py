"""Orbit solver: bases of (signed) permutation representations, exact and fast.

The group permutes the positions (i, j) of W.  An equivariant W is constant on each
orbit, so the orbits *are* the basis: element k is 1 on orbit k.  With signs, W must
also satisfy W[g(p)] = sign * W[p]; an orbit on which some element returns a position
to itself with sign -1 carries only zero.

Orbits are numbered by their smallest (row-major) position, which is exactly the
reduced row-echelon order the contract requires.

For products of symmetric groups on tensor monomials (Maron et al., Hartford et al.)
there is no graph at all: a position's orbit is the equality pattern of its indices,
computed digit by digit over all positions at once.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..basis import Coo, pattern_dtype
from ..problem import Problem
from ..spec import Defining, Dual, Power, Rep, Tensor, Trivial

__all__ = ["solve_orbit", "monomial"]


def solve_orbit(problem: Problem) -> dict:
    if not problem.finite:
        raise ValueError("method orbit applies to finite groups only")
    digits = _symmetric_digits(problem)
    if digits is not None:
        return _pattern_result(_partition_pattern(*digits), problem)
    images, negative = _position_images(problem)
    if negative is None:
        return _pattern_result(_components(images, problem.entries), problem)
    return _signed_orbits(images, negative, problem)


def _pattern_result(labels: np.ndarray, problem: Problem) -> dict:
    n_basis = int(labels.max()) + 1
    pattern = labels.astype(pattern_dtype(n_basis), copy=False)
    return {"pattern": pattern.reshape(problem.dim_out, problem.dim_in), "n_basis": n_basis}


# ----------------------------------------------------------------------------- graphs

def _position_images(problem: Problem):
    """For each generator, the image of every flat position p = i*dim_in + j."""
    images, negative = [], []
    signed = False
    for g_in, g_out in zip(problem.discrete_in, problem.discrete_out):
        images.append((g_out.perm[:, None] * problem.dim_in + g_in.perm[None, :]).ravel())
        if g_in.sign is not None or g_out.sign is not None:
            signed = True
        s_in = np.ones(problem.dim_in, np.int8) if g_in.sign is None else g_in.sign
        s_out = np.ones(problem.dim_out, np.int8) if g_out.sign is None else g_out.sign
        negative.append((np.multiply.outer(s_out, s_in) < 0).ravel())
    return images, (negative if signed else None)


def _components(images: list[np.ndarray], n_nodes: int) -> np.ndarray:
    """Component labels, numbered in order of each component's first node."""
    if not images:
        return np.arange(n_nodes)
    k = len(images)
    index_dtype = np.int32 if n_nodes < 2**31 else np.int64
    indices = np.stack(images, axis=1).astype(index_dtype, copy=False).ravel()
    indptr = np.arange(0, k * n_nodes + 1, k, dtype=index_dtype)
    graph = sp.csr_matrix((np.ones(len(indices), np.int8), indices, indptr),
                          shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=True, connection="weak")
    return _first_occurrence_order(labels)


def _first_occurrence_order(labels: np.ndarray) -> np.ndarray:
    """Renumber labels so that they first appear in increasing order 0, 1, 2, ..."""
    running = np.maximum.accumulate(labels)
    if labels[0] == 0 and np.all(labels[1:] <= running[:-1] + 1):
        return labels  # scipy already numbers components by their first node
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[labels]


def _signed_orbits(images, negative, problem: Problem) -> dict:
    """Orbits with signs, via the double cover: node 2p + b carries W[p] times (-1)^b."""
    n = problem.entries
    # node 2p+0 -> 2g(p)+neg, node 2p+1 -> 2g(p)+(1-neg): interleave both sheets
    cover = [np.stack([2 * img + neg, 2 * img + (1 - neg)], axis=1).ravel()
             for img, neg in zip(images, (x.astype(np.int64) for x in negative))]
    labels = _components(cover, 2 * n)
    plus, minus = labels[0::2], labels[1::2]
    nonzero = plus != minus
    orbit = np.minimum(plus, minus)
    # The sheet holding an orbit's first position has the smaller label (first-node
    # numbering), so that position gets +1: the leading entry of an RREF row.
    value = np.where(plus < minus, 1.0, -1.0)
    keep = np.zeros(int(orbit.max()) + 1, bool)
    keep[orbit[nonzero]] = True
    rank = np.cumsum(keep) - 1
    pos = np.flatnonzero(nonzero)
    row, col = np.divmod(pos, problem.dim_in)
    index = rank[orbit[pos]]
    values = value[pos]
    ints = values.astype(np.int64)
    coo = Coo(index, row, col, values, ints, np.ones(len(pos), np.int64))
    return {"coo": coo, "n_basis": int(keep.sum())}


# ----------------------------------------------------------------------------- S(n) products

def monomial(rep: Rep) -> tuple[int, ...] | None:
    """The factor of each tensor slot of a product of V's, or None if not such a product."""
    if isinstance(rep, Trivial):
        return () if rep.k == 1 else None
    if isinstance(rep, Defining):
        return (rep.factor,)
    if isinstance(rep, Dual):
        return monomial(rep.rep)
    if isinstance(rep, Tensor | Power):
        parts = rep.factors if isinstance(rep, Tensor) else (rep.base,) * rep.k
        out: tuple[int, ...] = ()
        for p in parts:
            m = monomial(p)
            if m is None:
                return None
            out += m
        return out
    return None


def _symmetric_digits(problem: Problem):
    """(slot factors, sizes) when the orbits are equality patterns of the indices.

    Holds for products of S(n), and of A(n) with n >= slots + 2 (A(n) is then transitive
    enough that no S(n)-orbit of tuples splits).
    """
    spec = problem.spec
    out_m, in_m = monomial(spec.rep_out), monomial(spec.rep_in)
    if out_m is None or in_m is None:
        return None
    slots = out_m + in_m
    sizes = []
    for i, f in enumerate(spec.group.factors):
        used = slots.count(i)
        if not (f.kind == "S" or (f.kind == "A" and f.degree >= used + 2)):
            return None
        sizes.append(f.degree)
    return slots, sizes


def _partition_pattern(slots: tuple[int, ...], sizes: list[int]) -> np.ndarray:
    """Rank of each position's equality pattern, ranks in row-major first-occurrence order.

    Slot t holds an index of factor f = slots[t].  Its restricted-growth digit a_t is the
    number of the block of equal indices (within factor f) that it joins, blocks numbered
    by first appearance.  The lexicographic order of the strings a equals the order of the
    orbits' first positions, so the mixed-radix value of a ranks the orbits directly.
    """
    n_factors = len(sizes)
    code = np.zeros(1, np.int64)
    blocks = [np.full((1, sizes[f]), -1, np.int8) for f in range(n_factors)]
    counts = [np.zeros(1, np.int8) for _ in range(n_factors)]
    seen = [0] * n_factors
    radix_total = 1
    for t, f in enumerate(slots):
        n = sizes[f]
        known = blocks[f]
        digit = np.where(known >= 0, known, counts[f][:, None])  # (prefixes, n)
        radix = seen[f] + 1
        seen[f] += 1
        radix_total *= radix
        code = (code[:, None] * radix + digit).ravel()
        if t + 1 == len(slots):
            break
        for g in range(n_factors):  # every prefix is extended by n values of slot t
            if g != f:
                blocks[g] = np.repeat(blocks[g], n, axis=0)
                counts[g] = np.repeat(counts[g], n)
        grown = np.repeat(known, n, axis=0).reshape(len(known), n, n)
        new = known < 0
        idx = np.arange(n)
        grown[:, idx, idx] = digit
        blocks[f] = grown.reshape(-1, n)
        counts[f] = (counts[f][:, None] + new).ravel().astype(np.int8)
    if not slots:
        return np.zeros((1, 1), np.int64)
    if radix_total <= 4 * 10**7:
        present = np.bincount(code, minlength=radix_total) > 0
        rank = np.cumsum(present) - 1
        return rank[code]
    return np.unique(code, return_inverse=True)[1]
