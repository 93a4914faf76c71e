"""``verify`` of a basis whose exact values are square roots (docs/irreps.rst), exactly.

Each value is v = sign(a) sqrt(|a| / b).  The spec's representations are rho = D^-1 R D
with R rational and D = diag(sqrt(s)) (``Problem.squares``), so an element B_k with
leading position (r0, c0) is an intertwiner exactly when W'_k = D_out B_k D_in^-1,
divided by its (positive) leading value, satisfies R_out W' = W' R_in.  Its entries are

    w'[r, c] = sign(a) sqrt(|a| s_out[r] s_in[c0] / (b s_in[c] s_out[r0]))

which must be rational (a perfect square under the root: a changed square breaks it)
and then satisfy every generator's equation -- checked modulo the prime 2**31 - 1 on
the rational form's integer generators (a flipped sign breaks it).  Elements are taken
a group at a time (bounded memory), in the order the file holds them.
"""

from __future__ import annotations

from math import isqrt

import numpy as np

from .coo import Coo, CooMatrix

__all__ = ["sqrt_check", "PRIME"]

PRIME = 2**31 - 1


def _mod(values) -> np.ndarray:
    """Integers (int64 or Python ints) modulo PRIME, as int64."""
    a = np.asarray(values)
    if a.dtype == object:
        return np.array([int(x) % PRIME for x in a], np.int64)
    return np.mod(a.astype(np.int64), PRIME)


def rational_entries(c: Coo, lead: np.ndarray, scale_in, scale_out,
                     dim_in: int) -> np.ndarray | None:
    """w' of each entry modulo PRIME (int64), or None where some w' is irrational:
    w'**2 = v**2 s_out[r] s_in[c0] / (s_in[c] s_out[r0]) with s = n / d."""
    (n_in, d_in), (n_out, d_out) = scale_in, scale_out
    r0, c0 = np.divmod(lead[np.asarray(c.index, np.int64)], dim_in)
    row, col = np.asarray(c.row, np.int64), np.asarray(c.col, np.int64)
    a = np.asarray(c.square_numerator).astype(object)
    b = np.asarray(c.square_denominator).astype(object)
    num = np.abs(a) * n_out[row] * d_in[col] * n_in[c0] * d_out[r0]
    den = b * d_out[row] * n_in[col] * d_in[c0] * n_out[r0]
    out = np.zeros(len(a), np.int64)
    for e, (x, y) in enumerate(zip(num.tolist(), den.tolist())):
        from math import gcd

        g = gcd(x, y)
        x, y = x // g, y // g
        rx, ry = isqrt(x), isqrt(y)
        if rx * rx != x or ry * ry != y or ry % PRIME == 0:
            return None
        w = rx * pow(ry, -1, PRIME) % PRIME
        out[e] = w if a[e] > 0 else (PRIME - w) % PRIME
    return out


def _join(key: np.ndarray, query: np.ndarray):
    """For each query q, the positions i with key[i] == q: (query position, i) pairs."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    start = np.searchsorted(sorted_key, query, "left")
    counts = np.searchsorted(sorted_key, query, "right") - start
    e = np.repeat(np.arange(len(query)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return e, order[np.repeat(start, counts) + offset]


def residual_vanishes(c: Coo, w: np.ndarray, pairs, dim_in: int, dim_out: int) -> bool:
    """A_out W' - W' A_in == 0 modulo PRIME for every pair (integer ``CooMatrix``)."""
    index, row, col = (np.asarray(x, np.int64) for x in (c.index, c.row, c.col))
    for a_out, a_in in pairs:
        # (A_out W')[k, i, c] += A_out[i, r] w[k, r, c]
        e, j = _join(np.asarray(a_out.col, np.int64), row)
        k1 = (index[e] * dim_out + np.asarray(a_out.row, np.int64)[j]) * dim_in + col[e]
        v1 = _mod(a_out.value)[j] * w[e] % PRIME
        # (W' A_in)[k, r, m] += w[k, r, c] A_in[c, m]
        e, j = _join(np.asarray(a_in.row, np.int64), col)
        k2 = (index[e] * dim_out + row[e]) * dim_in + np.asarray(a_in.col, np.int64)[j]
        v2 = (PRIME - _mod(a_in.value)[j] * w[e] % PRIME) % PRIME
        keys = np.concatenate([k1, k2])
        if not len(keys):
            continue
        unique, inverse = np.unique(keys, return_inverse=True)
        total = np.zeros(len(unique), np.int64)
        np.add.at(total, inverse.ravel(), np.concatenate([v1, v2]))
        if np.any(total % PRIME):
            return False
    return True


def rational_pairs(problem) -> list[tuple[CooMatrix, CooMatrix]]:
    """The rational form's integer generator pairs (discrete with denominators cleared,
    Lie generators with their multipliers)."""
    from .reps.action import constraint_pair

    rational = problem.rational_form()
    pairs = [constraint_pair(g_out, g_in)
             for g_in, g_out in zip(rational.discrete_in, rational.discrete_out)]
    pairs += list(zip(rational.lie_out, rational.lie_in))
    return [(CooMatrix.of(a), CooMatrix.of(b)) for a, b in pairs]


def sqrt_check(read, counts: np.ndarray, lead: np.ndarray, problem, dim_in: int,
               dim_out: int, entries: int):
    """(passed, message): every element, read as whole elements ``read(lo, hi)`` with
    their squares (entries sorted by element; ``counts`` per element, ``lead`` each
    element's leading flat position), is an exact intertwiner of the spec."""
    scale_in, scale_out = problem.squares
    pairs = rational_pairs(problem)
    cum = np.concatenate(([0], np.cumsum(counts)))
    k0, n = 0, len(counts)
    while k0 < n:
        k1 = int(np.searchsorted(cum, cum[k0] + entries, "right")) - 1
        k1 = min(max(k1, k0 + 1), n)
        c = read(int(cum[k0]), int(cum[k1]))
        w = rational_entries(c, lead, scale_in, scale_out, dim_in)
        if w is None:
            return False, (f"exact square roots: some value of elements {k0}..{k1 - 1} is "
                           "not a rational value of the spec's rational form")
        if not residual_vanishes(c, w, pairs, dim_in, dim_out):
            return False, (f"exact square roots: elements {k0}..{k1 - 1} are not exactly "
                           "equivariant")
        k0 = k1
    return True, (f"equivariant exactly (square roots on the rational form, modulo "
                  f"{PRIME})")
