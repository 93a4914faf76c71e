"""Where the block boundaries of a representation's coordinates are, and their names.

A matrix of ``S(5): V**2 -> V**2`` is 25 x 25, but a reader sees its structure only if
the 5 x 5 blocks of the tensor axes are marked.  The coordinates follow docs/specs.rst
(sums: left summand first; tensor products: row-major, as numpy.kron), so the
boundaries follow from the parsed expression alone: a sum has one at each summand,
a tensor product one wherever a coarser factor's index changes.  Each boundary has a
depth (0 the coarsest) so that pictures can draw nesting with lighter lines.

>>> from intertwine.spec import parse_rep, parse_group
>>> g = parse_group("S(2) x S(3)")
>>> boundaries(parse_rep("V[0]*V[1]", g), g)
{3: 0}
>>> boundaries(parse_rep("V[1]**2 + 1", g), g)
{3: 1, 6: 1, 9: 0}
>>> coordinate_labels(parse_rep("V[0]*V[1]", g), g)[:4]
['0,0', '0,1', '0,2', '1,0']
"""

from __future__ import annotations

import numpy as np

from ..spec import Group, Rep

__all__ = ["boundaries", "coordinate_labels"]

_NONE = np.iinfo(np.int64).max  # no boundary at this position
_EDGE = -1  # the two ends of an axis


def boundaries(rep: Rep, group: Group) -> dict[int, int]:
    """``{position: depth}`` for each drawn boundary strictly inside the axis.

    A boundary between two blocks of size 1 is dropped: it would separate every cell
    (``3*1`` has three rows, not three blocks worth marking).
    """
    depth = _depths(rep, group)
    inside = depth[1:-1]
    is_boundary = depth != _NONE
    lonely = is_boundary[:-2] & is_boundary[2:]  # size-1 blocks on both sides
    keep = np.flatnonzero((inside != _NONE) & ~lonely) + 1
    return {int(p): int(depth[p]) for p in keep}


def _huge_scalar_power(rep: Rep, group: Group) -> bool:
    """R**k of a one-dimensional R with a k too large to expand (its structure lists k
    copies of R, and k may have 30 digits): one coordinate, shown as R's."""
    from ..reps.power import Power

    return isinstance(rep, Power) and rep.k > _MAX_EXPANDED and rep.base.dimension(group) == 1


#: powers of one-dimensional representations up to this exponent are expanded as usual
_MAX_EXPANDED = 64


def _depths(rep: Rep, group: Group) -> np.ndarray:
    """Array of length dim+1: depth of a boundary before each position, _EDGE at the ends."""
    if _huge_scalar_power(rep, group):
        return _depths(rep.base, group)
    structure = rep.structure()
    if structure.kind == "same":
        return _depths(structure.parts[0], group)
    if structure.kind == "sum":
        return _sum([_depths(t, group) for t in structure.parts])
    if structure.kind == "kron":
        return _tensor([_depths(p, group) for p in structure.parts])
    n = rep.dimension(group)
    out = np.full(n + 1, _NONE, np.int64)
    if structure.kind == "scalars":  # k copies of 1: every copy is its own block
        out[1:-1] = 0
    out[[0, -1]] = _EDGE
    return out


def _deeper(d: np.ndarray, by: int) -> np.ndarray:
    return np.where((d != _NONE) & (d != _EDGE), d + by, d)


def _sum(terms: list[np.ndarray]) -> np.ndarray:
    pieces = []
    for t in terms:
        inner = _deeper(t[:-1], 1)
        inner[0] = 0  # a summand boundary is the coarsest level
        pieces.append(inner)
    out = np.concatenate(pieces + [np.array([_EDGE])])
    out[0] = _EDGE
    return out


def _tensor(factors: list[np.ndarray]) -> np.ndarray:
    if not factors:
        return np.array([_EDGE, _EDGE], np.int64)
    acc = factors[0]
    for level, f in enumerate(factors[1:], start=1):
        big, small = len(acc) - 1, len(f) - 1
        if small == 1:  # a factor of dimension 1 (1, det, S(1)'s V) adds no blocks
            continue
        out = np.full(big * small + 1, _NONE, np.int64)
        blocks = out[:-1].reshape(big, small)
        blocks[:, 1:] = _deeper(f[1:-1], level)  # the finer factor's own structure
        # where a coarser index changes: the coarser structure, else this nesting level
        out[::small] = np.where(acc == _NONE, level - 1, acc)
        acc = out
    return acc


def coordinate_labels(rep: Rep, group: Group) -> list[str]:
    """A short name for each coordinate: tensor indices joined by commas."""
    if _huge_scalar_power(rep, group):
        return [f"{label}**{rep.k}" for label in coordinate_labels(rep.base, group)]
    structure = rep.structure()
    if structure.kind == "same":
        return coordinate_labels(structure.parts[0], group)
    if structure.kind == "sum":
        return [label for t in structure.parts for label in coordinate_labels(t, group)]
    if structure.kind == "kron":
        labels = [""]
        for p in structure.parts:
            sub = coordinate_labels(p, group)
            labels = [f"{a},{b}" if a else b for a in labels for b in sub]
        return labels
    if structure.label:
        return [structure.label]
    return [str(i) for i in range(rep.dimension(group))]
