"""Counting by formulas: set partitions, derangements, Young diagrams.

Pure integer combinatorics shared by the group families' closed counts
(``groups/*.py``) and by ``counting``; nothing here knows a group.
"""

from __future__ import annotations

from collections import Counter
from math import factorial, prod

__all__ = ["stirling2", "bell_at_most", "derangements", "walks", "associate",
           "gl_semi_invariants", "MAX_CONTINUOUS_DEGREE"]

#: closed counts of continuous groups answer None beyond this total tensor degree (they
#: walk over partitions)
MAX_CONTINUOUS_DEGREE = 40

_STIRLING_ROWS: list[list[int]] = [[1]]


def _stirling_row(m: int) -> list[int]:
    """[S2(m, 0), ..., S2(m, m)], rows grown once and kept (they are tiny for real specs)."""
    rows = _STIRLING_ROWS
    while len(rows) <= m:
        prev = rows[-1]
        r = len(prev)  # the new row's m
        rows.append([0] + [j * (prev[j] if j < r else 0) + prev[j - 1] for j in range(1, r + 1)])
    return rows[m]


def stirling2(m: int, j: int) -> int:
    """Stirling number of the second kind: partitions of an m-set into exactly j blocks.

    >>> [stirling2(4, j) for j in range(5)]
    [0, 1, 7, 6, 1]
    """
    if m < 0 or j < 0 or j > m:
        return 0
    return _stirling_row(m)[j]


def bell_at_most(m: int, n: int) -> int:
    """Set partitions of an m-set into at most n blocks: dim Hom_{S(n)}(V**k, V**l), k+l = m.

    Small m from the Stirling rows; large m by inclusion-exclusion over the blocks,
    sum_{j<=n} S2(m, j) = (1/n!) sum_i C(n, i) D(n - i) i**m (D: derangements), n
    powers instead of m*n row entries (``S(5): V -> V**9999`` stays instant).

    >>> bell_at_most(4, 5), bell_at_most(4, 2), bell_at_most(0, 1)
    (15, 8, 1)
    >>> bell_at_most(200, 7) == sum(_stirling_row(200)[:8])
    True
    """
    n = min(n, m)
    if m <= _ROWS_UP_TO:
        return sum(_stirling_row(m)[: n + 1])
    total, binomial = 0, 1
    deranged = _derangement_list(n)
    for i in range(n + 1):  # binomial = C(n, i)
        total += binomial * deranged[n - i] * i**m
        binomial = binomial * (n - i) // (i + 1)
    return total // factorial(n)


#: Stirling rows are kept up to this m; beyond, ``bell_at_most`` uses its formula
_ROWS_UP_TO = 64


def _derangement_list(n: int) -> list[int]:
    """[D(0), ..., D(n)]: D(k) = (k - 1)(D(k-1) + D(k-2))."""
    out = [1, 0]
    for k in range(2, n + 1):
        out.append((k - 1) * (out[-1] + out[-2]))
    return out[: n + 1]


def derangements(m: int) -> tuple[int, int]:
    """(even, odd) derangements of m points; D(0) = 1 counts the (even) empty permutation.

    D(m) = (m - 1)(D(m-1) + D(m-2)) and D_even - D_odd = (-1)**(m-1) (m - 1).
    """
    total = _derangement_total(m)
    diff = (m - 1) * (-1 if m % 2 == 0 else 1)
    return (total + diff) // 2, (total - diff) // 2


def _derangement_total(m: int) -> int:
    a, b = 1, 0  # D(0), D(1)
    for k in range(2, m + 1):
        a, b = b, (k - 1) * (a + b)
    return a if m == 0 else b


def valid(lam: tuple[int, ...], n: int, kind: str) -> bool:
    if kind == "Sp":
        return len(lam) <= n
    return len(lam) + sum(1 for x in lam if x >= 2) <= n


def associate(lam: tuple[int, ...], n: int) -> tuple[int, ...]:
    """det (x) lambda for O(n): the first column's length c becomes n - c."""
    wide = tuple(x for x in lam if x >= 2)
    column = n - len(lam) - len(wide)
    if column > MAX_CONTINUOUS_DEGREE:
        return None  # more boxes than any walk counted here reaches: matches nothing
    return wide + (1,) * column


def walks(steps: int, n: int, kind: str) -> dict[tuple[int, ...], int]:
    """Multiplicity of each irreducible lambda in V**steps: walks from () adding or
    removing one box at a time, through valid partitions only."""
    state = {(): 1}
    for _ in range(steps):
        nxt: Counter = Counter()
        for lam, m in state.items():
            rows = list(lam)
            for i in range(len(rows) + 1):  # add a box to row i
                if i == len(rows) or i == 0 or rows[i - 1] > rows[i]:
                    new = rows[:i] + [rows[i] + 1 if i < len(rows) else 1] + rows[i + 1:]
                    mu = tuple(new)
                    if valid(mu, n, kind):
                        nxt[mu] += m
            for i in range(len(rows)):  # remove a box from row i
                if i == len(rows) - 1 or rows[i] > rows[i + 1]:
                    new = rows[:i] + [rows[i] - 1] + rows[i + 1:]
                    nxt[tuple(x for x in new if x)] += m
        state = dict(nxt)
    return state


def _partitions(total: int, max_parts: int, min_part: int = 1, largest: int | None = None):
    """Partitions of total into at most max_parts parts, each >= min_part, non-increasing."""
    if total == 0:
        yield ()
        return
    if max_parts == 0:
        return
    top = total if largest is None else min(largest, total)
    for first in range(top, min_part - 1, -1):
        for rest in _partitions(total - first, max_parts - 1, min_part, first):
            yield (first,) + rest


def integer_partitions(total: int):
    """Every partition of ``total``, parts non-increasing, the largest first parts first
    (cycle types of S(total))."""
    return _partitions(total, total)


def _standard_tableaux(lam: tuple[int, ...]) -> int:
    """f^lambda by the hook length formula."""
    if not lam:
        return 1
    cols = [sum(1 for x in lam if x > j) for j in range(lam[0])]
    hooks = prod(lam[i] - j + cols[j] - i - 1 for i in range(len(lam)) for j in range(lam[i]))
    return factorial(sum(lam)) // hooks


def gl_semi_invariants(p: int, q: int, s: int, n: int) -> int:
    """dim Hom_GL(n)(V**q, V**p (x) det**s) = sum of f^lambda f^mu, lambda = mu + (s^n)."""
    if s < 0:
        p, q, s = q, p, -s  # Hom(A, B) and Hom(B, A) have the same dimension
    if q != p + n * s:
        return 0
    total = 0
    for mu in _partitions(p, n):
        if s:  # then n * s <= q, so n is small
            lam = tuple(x for x in (y + s for y in mu + (0,) * (n - len(mu))) if x)
        else:
            lam = mu
        total += _standard_tableaux(lam) * _standard_tableaux(mu)
    return total
