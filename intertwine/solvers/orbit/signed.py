"""Signed orbits through the double cover: one construction for the orbit solver and for
the subgroup reduction of continuous groups (``solvers/reduce.py``).

A group element g acts on W by W -> rho_out(g) W rho_in(g)^T; for signed permutations
it sends position p to g(p) with a sign.  Node 2p + b of the double cover stands for
W[p] times (-1)^b, and g joins it to node 2 g(p) + (b xor [sign of g at p < 0]).  An
orbit carries a nonzero vector unless both copies of a position land in one component
(some element returns the position to minus itself).  Components are numbered by their
first node, so an orbit's first (row-major) position's positive copy comes before the
rest of the orbit: +1 there, and orbits numbered in the order of their first positions
(the reduced row-echelon order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...problem import Problem

__all__ = ["SignedOrbits", "signed_orbits", "components", "position_images"]


def position_images(problem: Problem):
    """For each generator, the image of every flat position p = i*dim_in + j, and where
    the sign is negative (None when no generator has signs)."""
    pairs = list(zip(problem.discrete_out, problem.discrete_in))
    images, negative = _images(pairs, problem.dim_in)
    signed = any(g.sign is not None for pair in pairs for g in pair)
    return images, (negative if signed else None)


def _images(pairs, dim_in: int):
    images, negative = [], []
    for g_out, g_in in pairs:
        images.append((g_out.perm[:, None] * dim_in + g_in.perm[None, :]).ravel())
        negative.append((np.multiply.outer(g_out.signs(), g_in.signs()) < 0).ravel())
    return images, negative


#: graphs up to this many nodes first try label propagation in numpy (no scipy import:
#: half a second of start-up, more than small problems such as steerable kernels cost)
_SMALL_GRAPH = 1 << 16
_PROPAGATION_ROUNDS = 32


def components(images: list[np.ndarray], n_nodes: int) -> np.ndarray:
    """Weakly connected components, numbered in the order of their first node.

    Every image is a permutation of the nodes (a group element), so the components are
    orbits: small graphs take the minimum label over each generator's image, with
    pointer jumping, until nothing changes; large ones (or slow to settle) use scipy.
    """
    if images and 0 < n_nodes <= _SMALL_GRAPH:
        labels = _propagated(images, n_nodes)
        if labels is not None:  # a component's label is its first node: rank them
            return np.unique(labels, return_inverse=True)[1].reshape(-1)
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if not images or not n_nodes:
        return np.arange(n_nodes)
    k = len(images)
    index_dtype = np.int32 if n_nodes < 2**31 else np.int64
    indices = np.stack(images, axis=1).astype(index_dtype, copy=False).ravel()
    indptr = np.arange(0, k * n_nodes + 1, k, dtype=index_dtype)
    graph = sp.csr_matrix((np.ones(len(indices), np.int8), indices, indptr),
                          shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=True, connection="weak")
    return _first_occurrence_order(labels)


def _propagated(images: list[np.ndarray], n_nodes: int) -> np.ndarray | None:
    """The smallest node of each node's orbit, or None if that takes too many rounds."""
    labels = np.arange(n_nodes)
    inverses = []
    for img in images:  # weak connectivity: follow each generator both ways
        inverse = np.empty_like(img)
        inverse[img] = np.arange(n_nodes)
        inverses.append(inverse)
    for _ in range(_PROPAGATION_ROUNDS):
        before = labels.copy()
        for img in images + inverses:
            np.minimum(labels, labels[img], out=labels)
        labels = labels[labels]  # jump: a label's own label is at most as large
        if np.array_equal(labels, before):
            return labels
    return None


def _first_occurrence_order(labels: np.ndarray) -> np.ndarray:
    """Renumber labels so that they first appear in increasing order 0, 1, 2, ..."""
    running = np.maximum.accumulate(labels)
    if labels[0] == 0 and np.all(labels[1:] <= running[:-1] + 1):
        return labels  # scipy already numbers components by their first node
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[labels]


@dataclass
class SignedOrbits:
    """The nonzero signed orbits of W's positions: position ``position[t]`` lies in orbit
    ``orbit[t]`` (numbered 0.. in the order of first positions) with sign ``value[t]``."""

    position: np.ndarray
    orbit: np.ndarray
    value: np.ndarray
    count: int


def signed_orbits(pairs, dim_out: int, dim_in: int) -> SignedOrbits:
    """Signed orbits of positions under the (rho_out(g), rho_in(g)) signed permutations."""
    n = dim_out * dim_in
    images, negative = _images(pairs, dim_in)
    # node 2p+0 -> 2g(p)+neg, node 2p+1 -> 2g(p)+(1-neg): interleave both sheets
    cover = [np.stack([2 * img + neg, 2 * img + (1 - neg)], axis=1).ravel()
             for img, neg in zip(images, (x.astype(np.int64) for x in negative))]
    labels = components(cover, 2 * n)
    plus, minus = labels[0::2], labels[1::2]
    pos = np.flatnonzero(plus != minus)
    first = np.minimum(plus, minus)[pos]
    # the sheet holding an orbit's first position has the smaller label: +1 there
    value = np.where(plus[pos] < minus[pos], 1, -1).astype(np.int8)
    keep = np.zeros(int(first.max(initial=-1)) + 1, bool)
    keep[first] = True
    rank = np.cumsum(keep) - 1
    return SignedOrbits(pos, rank[first], value, int(keep.sum()))
