"""Orbits of permutation groups: the weakly connected components of the graph that
joins every node to its images under the generators.

Shared by the orbit solver (orbits of W's positions, ``solvers/orbit/signed.py``) and the
layers (orbits of rho_out's coordinates: the equivariant bias, ``layerdata.py``), which
build a layer from a file without importing scipy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["components"]


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
    if not images or not n_nodes:
        return np.arange(n_nodes)
    if n_nodes <= _SMALL_GRAPH:
        labels = _propagated(images, n_nodes)
        if labels is not None:  # a component's label is its first node: rank them
            return np.unique(labels, return_inverse=True)[1].reshape(-1)
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

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
