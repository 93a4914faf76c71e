"""``verify`` of a basis whose exact values are square roots (docs/irreps.rst), exactly.

Each value is v = sign(a) sqrt(|a| / b).  The spec's representations are rho = D^-1 R D
with R rational and D = diag(sqrt(s)) (``Problem.squares``), so an element B_k with
leading position (r0, c0) is an intertwiner exactly when W'_k = D_out B_k D_in^-1,
divided by its (positive) leading value, satisfies R_out W' = W' R_in.  Its entries are

    w'[r, c] = sign(a) sqrt(|a| s_out[r] s_in[c0] / (b s_in[c] s_out[r0]))

which must be rational (a perfect square under the root: a changed square breaks it).
Times the lcm L_k of its element's denominators each is an integer z = L_k w', and the
residual A_out Z - Z A_in on the rational form's integer generators is an integer matrix
bounded by (max row sum |A_out| + max column sum |A_in|) max |z|.  It is computed
modulo as many primes below 2**31 as their product needs to pass that bound, so that
vanishing modulo all of them means vanishing exactly (one prime alone would pass a
residual that is a nonzero multiple of it: a value moved by PRIME / 10**40, far below
float64's resolution, does that).  Elements are taken a group at a time (bounded
memory), in the order the file holds them.
"""

from __future__ import annotations

from math import gcd, isqrt, lcm

import numpy as np

from ..coo import Coo, CooMatrix

__all__ = ["sqrt_check", "PRIME", "primes"]

PRIME = 2**31 - 1


def _is_prime(n: int) -> bool:
    """Miller-Rabin with the bases 2, 7, 61: exact below 4759123141."""
    if n < 2 or n % 2 == 0:
        return n == 2
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in (2, 7, 61):
        if a % n == 0:
            continue
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def primes(bound: int) -> list[int]:
    """The largest primes below 2**31, from PRIME down, until their product exceeds
    ``bound`` (at least one): products of residues stay below 2**62 in int64."""
    out, product, n = [], 1, PRIME
    while not out or product <= bound:
        if _is_prime(n):
            out.append(n)
            product *= n
        n -= 2
    return out


def _mod(values, prime: int) -> np.ndarray:
    """Integers (int64 or Python ints) modulo ``prime``, as int64."""
    a = np.asarray(values)
    if a.dtype == object:
        return (a % prime).astype(np.int64)
    return np.mod(a.astype(np.int64), prime)


def integer_entries(c: Coo, lead: np.ndarray, scale_in, scale_out,
                    dim_in: int) -> np.ndarray | None:
    """z = L_k w' of each entry (Python ints, an object array), with L_k the lcm of the
    denominators of element k's entries w', or None where some w' is irrational:
    w'**2 = v**2 s_out[r] s_in[c0] / (s_in[c] s_out[r0]) with s = n / d."""
    (n_in, d_in), (n_out, d_out) = scale_in, scale_out
    r0, c0 = np.divmod(lead[np.asarray(c.index, np.int64)], dim_in)
    row, col = np.asarray(c.row, np.int64), np.asarray(c.col, np.int64)
    a = np.asarray(c.square_numerator).astype(object)
    b = np.asarray(c.square_denominator).astype(object)
    num = np.abs(a) * n_out[row] * d_in[col] * n_in[c0] * d_out[r0]
    den = b * d_out[row] * n_in[col] * d_in[c0] * n_out[r0]
    tops, bottoms = [], []
    for x, y in zip(num.tolist(), den.tolist()):
        g = gcd(x, y)
        x, y = x // g, y // g
        rx, ry = isqrt(x), isqrt(y)
        if rx * rx != x or ry * ry != y:
            return None
        tops.append(rx)
        bottoms.append(ry)
    index = np.asarray(c.index, np.int64).tolist()
    common: dict[int, int] = {}
    for k, y in zip(index, bottoms):
        common[k] = lcm(common.get(k, 1), y)
    out = np.zeros(len(tops), dtype=object)
    out[:] = [(x if s > 0 else -x) * (common[k] // y)
              for x, y, s, k in zip(tops, bottoms, a.tolist(), index)]
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


def _max_abs_sum(index: np.ndarray, values, n: int) -> int:
    """max_i sum |values| over the entries with index i (exact: Python ints)."""
    total = np.zeros(max(n, 1), dtype=object)
    np.add.at(total, np.asarray(index, np.int64), np.abs(np.asarray(values).astype(object)))
    return int(total.max(initial=0))


def residual_bound(z: np.ndarray, pairs) -> int:
    """A bound on |A_out Z - Z A_in| over every pair: (max row sum |A_out| + max column
    sum |A_in|) max |z|."""
    top = max((abs(int(x)) for x in z.tolist()), default=0)
    spread = max((_max_abs_sum(a_out.row, a_out.value, a_out.shape[0])
                  + _max_abs_sum(a_in.col, a_in.value, a_in.shape[1])
                  for a_out, a_in in pairs), default=0)
    return spread * top


def residual_vanishes(c: Coo, z: np.ndarray, pairs, dim_in: int, dim_out: int) -> bool:
    """A_out Z - Z A_in == 0 exactly for every pair (integer ``CooMatrix``): modulo
    enough primes (``primes``) that their product exceeds ``residual_bound``."""
    moduli = primes(residual_bound(z, pairs))
    index, row, col = (np.asarray(x, np.int64) for x in (c.index, c.row, c.col))
    for a_out, a_in in pairs:
        # (A_out Z)[k, i, c] += A_out[i, r] z[k, r, c]
        e1, j1 = _join(np.asarray(a_out.col, np.int64), row)
        k1 = (index[e1] * dim_out + np.asarray(a_out.row, np.int64)[j1]) * dim_in + col[e1]
        # (Z A_in)[k, r, m] += z[k, r, c] A_in[c, m]
        e2, j2 = _join(np.asarray(a_in.row, np.int64), col)
        k2 = (index[e2] * dim_out + row[e2]) * dim_in + np.asarray(a_in.col, np.int64)[j2]
        keys = np.concatenate([k1, k2])
        if not len(keys):
            continue
        unique, inverse = np.unique(keys, return_inverse=True)
        for prime in moduli:
            w = _mod(z, prime)
            v1 = _mod(a_out.value, prime)[j1] * w[e1] % prime
            v2 = (prime - _mod(a_in.value, prime)[j2] * w[e2] % prime) % prime
            total = np.zeros(len(unique), np.int64)
            np.add.at(total, inverse.ravel(), np.concatenate([v1, v2]))
            if np.any(total % prime):
                return False
    return True


def rational_pairs(problem) -> list[tuple[CooMatrix, CooMatrix]]:
    """The rational form's integer generator pairs (discrete with denominators cleared,
    Lie generators with their multipliers)."""
    from ..reps.action import constraint_pair

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
        z = integer_entries(c, lead, scale_in, scale_out, dim_in)
        if z is None:
            return False, (f"exact square roots: some value of elements {k0}..{k1 - 1} is "
                           "not a rational value of the spec's rational form")
        if not residual_vanishes(c, z, pairs, dim_in, dim_out):
            return False, (f"exact square roots: elements {k0}..{k1 - 1} are not exactly "
                           "equivariant")
        k0 = k1
    return True, "equivariant exactly (square roots on the rational form, in integers)"
