"""Sparse fraction-free Gauss-Jordan over the integers, in plain Python ints.

The systems intertwine builds are integer, very sparse (a few nonzeros per row after the
orbit reduction) and their reduced row-echelon forms have small entries (mostly
integers: ``SO(3): V**5 -> V**5`` has none above 37).  So a dict of dicts of Python ints
with no fractions at all is both exact and fast, and needs neither sympy nor a C
library: each pivot row is kept primitive (its entries divided by their gcd) with a
positive pivot, and a row is reduced by ``row * d - a * pivot_row`` (d the pivot, a the
row's entry there), which stays integral.

The elimination is incremental, as sympy's ``sdm_irref``: rows are taken one at a time,
reduced by the pivot rows found so far (which are kept fully reduced: no pivot row holds
another pivot's column), and a row that stays nonzero becomes a pivot row at its leading
column, which is then cleared from the other pivot rows.  The result -- the reduced
row-echelon form -- is unique, whatever the order the rows come in; the order only
changes the work (see the comment in ``rref``).

``nullspace_rref`` gives the nullspace in the form of docs/format.rst (see ``exact``): with
columns reversed, free column f of RREF(C) gives the element with leading position f.
"""

from __future__ import annotations

from math import gcd

import numpy as np

__all__ = ["rref", "nullspace_entries"]


def _primitive(row: dict[int, int], pivot: int) -> tuple[dict[int, int], int]:
    """The row divided by the gcd g of its entries, with a positive entry at ``pivot``;
    and that divisor (g or -g)."""
    g = 0
    for v in row.values():
        g = gcd(g, v)
        if g == 1:
            break
    if row[pivot] < 0:
        g = -g
    if g != 1:
        row = {c: v // g for c, v in row.items()}
    return row, g


#: the prime of the dependence test (2**61 - 1)
_PRIME = (1 << 61) - 1


def rref(rows: list[dict[int, int]], rank: int | None = None) -> dict[int, dict[int, int]]:
    """The reduced row-echelon form of the integer rows, as {pivot column: row}.

    Each row (a dict column -> nonzero int) is primitive with a positive entry at its
    pivot column and zeros at every other pivot column; dividing it by that entry gives
    the row of the RREF.  Columns are compared as ints: the leading column of a row is its
    smallest.

    Most rows of these systems are combinations of others (SO(3): V**6 -> V**6: 64,879
    rows, rank 17,931), and reducing such a row to zero against the long rows of the RREF
    is most of the work.  So each pivot row also carries its image under a random linear
    functional modulo a prime; a row whose reduction that functional says is zero costs
    a few operations and is set aside.  The functional never calls a dependent row
    independent; it may (with probability about 2**-61 per row) call an independent one
    dependent.  ``rank``, when known from an independent count, settles it: if the rows
    kept reach it, the rows set aside lie in their span (they cannot add rank beyond the
    system's).  Otherwise the rows set aside are reduced in full, as any other.
    """
    pivot_rows: dict[int, dict[int, int]] = {}
    # column -> pivot columns whose rows hold it (outside their pivot): the rows a new
    # pivot at that column has to be cleared from
    holders: dict[int, set[int]] = {}
    rows = [r for r in rows if r]
    # image of each pivot row's RREF row (the row / its pivot) under the functional: only
    # of use with a known rank, where it sets dependent rows aside
    image: dict[int, int] | None = {} if rank is not None and rows else None
    weight = _weights(1 + max(max(r) for r in rows)) if image is not None else []
    set_aside: list[dict[int, int]] = []
    # Rows whose leading column comes last go first: a pivot row found early then holds
    # few columns that later pivots have to clear (6x less work than sympy's order on
    # SO(3): V**5 -> V**5, 3x less than shortest first).
    ordered = sorted(rows, key=lambda r: (-min(r), len(r)))
    for test, batch in ((True, ordered), (False, set_aside)):
        for start in batch:
            if test and rank is not None and image is not None:
                residue = sum(weight[c] * v for c, v in start.items())
                residue -= sum(image[c] * v for c, v in start.items() if c in image)
                if residue % _PRIME == 0:
                    set_aside.append(start)
                    continue
            if not _add_row(start, pivot_rows, holders, image, weight):
                image = None  # a pivot divisible by the prime: test no more rows
        if rank is not None and len(pivot_rows) >= rank:
            break
    return pivot_rows


#: the first weights, kept once made (the weights of n columns are the first n of any
#: longer list): small systems, solved many times, need not make them each time
_kept_weights: list[int] = []
KEPT_WEIGHTS = 1 << 16


def _weights(n: int) -> list[int]:
    """The functional's weights: at least n well-mixed numbers in [1, _PRIME), the same on
    every run (splitmix64 of 0, 1, ..., in numpy: the ``random`` module would cost every
    process that solves exactly 1 ms to import).  Read only."""
    global _kept_weights
    if n <= len(_kept_weights):
        return _kept_weights
    weights = _splitmix(max(n, min(2 * len(_kept_weights), KEPT_WEIGHTS)))
    if len(weights) <= KEPT_WEIGHTS:
        _kept_weights = weights
    return weights


def _splitmix(n: int) -> list[int]:
    """splitmix64 of 0, 1, ..., n - 1, modulo _PRIME - 1, plus 1."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        z = np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + \
            np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z % np.uint64(_PRIME - 1) + np.uint64(1)).tolist()


def _add_row(start: dict[int, int], pivot_rows: dict, holders: dict, image: dict | None,
             weight: list[int]) -> bool:
    """Reduce the row by the pivot rows; if something is left, it becomes a pivot row
    and its pivot column is cleared from the others (Gauss-Jordan).  Keeps ``image`` up
    to date; False when it cannot (a pivot divisible by the prime)."""
    row = dict(start)
    for c in [c for c in start if c in pivot_rows]:
        a = row.pop(c, 0)
        if not a:
            continue
        prow = pivot_rows[c]
        d = prow[c]
        if d != 1:
            g = gcd(a, d)
            scale, a = d // g, a // g
            if scale != 1:
                row = {k: v * scale for k, v in row.items()}
        for k, v in prow.items():
            if k != c:
                w = row.get(k, 0) - a * v
                if w:
                    row[k] = w
                else:
                    del row[k]
    if not row:
        return True
    p = min(row)
    row, _ = _primitive(row, p)
    d = row[p]
    if image is not None and d % _PRIME:
        image[p] = sum(weight[k] * v for k, v in row.items()) * pow(d, -1, _PRIME) % _PRIME
    else:
        image = None
    # clear column p from the pivot rows that hold it
    for q in holders.pop(p, ()):
        qrow = pivot_rows[q]
        a = qrow.pop(p)
        # in RREF terms: row_q -= (a / d_q) * row_p, so its image likewise
        if image is not None and qrow[q] % _PRIME:
            image[q] = (image[q] - a * pow(qrow[q], -1, _PRIME) * image[p]) % _PRIME
        else:
            image = None
        g = gcd(a, d)
        scale, a = d // g, a // g
        if scale != 1:
            qrow = {k: v * scale for k, v in qrow.items()}
        for k, v in row.items():
            if k == p:
                continue
            w = qrow.get(k, 0) - a * v
            if w:
                if k not in qrow:
                    holders.setdefault(k, set()).add(q)
                qrow[k] = w
            else:
                del qrow[k]
                holders[k].discard(q)
        pivot_rows[q], _ = _primitive(qrow, q)
    # its other columns are free so far; none is a pivot (the row is reduced)
    for k in row:
        if k != p:
            holders.setdefault(k, set()).add(p)
    pivot_rows[p] = row
    return image is not None


def nullspace_entries(rows: list[dict[int, int]], n_cols: int, nullity: int | None = None):
    """The RREF basis of {x : rows . x = 0} over the rationals, as arrays.

    ``rows`` hold columns in *reversed* order (reversed column c is original column
    n_cols - 1 - c).  Returns (n_basis, index, position, numerator, denominator): element
    ``index`` has numerator/denominator at original ``position``; sorted by element, then
    position; denominators positive, fractions in lowest terms; numerators and
    denominators are Python ints in object arrays when one does not fit int64.
    ``nullity``: the dimension of the nullspace if known independently (see ``rref``).
    """
    table = rref(rows, None if nullity is None else n_cols - nullity)
    if not table:  # nothing constrains: the unit vectors, in order
        unit = np.arange(n_cols, dtype=np.int64)
        return n_cols, unit, unit.copy(), np.ones(n_cols, np.int64), np.ones(n_cols, np.int64)
    if sum(map(len, table.values())) <= SMALL_ENTRIES:
        small = _small_entries(n_cols, table)
        if small is not None:
            return small
    is_free = np.ones(n_cols, bool)
    is_free[list(table)] = False
    free = np.flatnonzero(is_free)
    # the element led by reversed free column c is number order[c]: the largest reversed
    # column is the smallest original position, the first element
    n_basis = len(free)
    order = np.full(n_cols, -1, np.int64)
    order[free[::-1]] = np.arange(n_basis)
    # all entries at once: lists filled by C-level extends, then numpy (python-level
    # loops over the 9.8 million entries of SO(3): V**6 -> V**6 took half a minute)
    cols: list[int] = []
    vals: list[int] = []
    pivots, pivot_values, lengths = [], [], []
    for p, row in table.items():
        d = row.pop(p)  # the table is ours: its rows need not stay whole
        cols.extend(row)
        vals.extend(row.values())
        pivots.append(p)
        pivot_values.append(d)
        lengths.append(len(row))
    index = np.concatenate([order[free], order[np.array(cols, np.int64)]])
    pos = np.concatenate([n_cols - 1 - free,
                          np.repeat(n_cols - 1 - np.array(pivots, np.int64), lengths)])
    try:
        v = np.array(vals, np.int64)
        if len(v) and v.min() == np.iinfo(np.int64).min:  # -v would wrap around
            raise OverflowError
        d = np.repeat(np.array(pivot_values, np.int64), lengths)
        g = np.gcd(v, d)
        num, den = -(v // g), d // g
        dtype = np.int64
    except OverflowError:  # exact values beyond int64: Python ints
        d = np.repeat(np.array(pivot_values, object), lengths)
        g = [gcd(a, b) for a, b in zip(vals, d)]
        num = np.array([-a // c for a, c in zip(vals, g)] or [], object)
        den = np.array([b // c for b, c in zip(d, g)] or [], object)
        fits = all(-2**63 < x < 2**63 for x in num) and all(x < 2**63 for x in den)
        dtype = np.int64 if fits else object  # lowest terms may fit after all
    num = np.concatenate([np.ones(n_basis, dtype), num.astype(dtype)])
    den = np.concatenate([np.ones(n_basis, dtype), den.astype(dtype)])
    sort = np.lexsort((pos, index))
    return n_basis, index[sort], pos[sort], num[sort], den[sort]


#: ``nullspace_entries`` makes its arrays in Python ints where its RREF rows hold at most
#: this many entries (a tiny decomposition's few: numpy's calls cost more than the work)
SMALL_ENTRIES = 64


def _small_entries(n_cols: int, table: dict[int, dict[int, int]]):
    """``nullspace_entries``' arrays from its RREF table, in Python ints: the same entries
    sorted as its lexsort sorts them; None where a value might leave int64 there."""
    free = [c for c in range(n_cols) if c not in table]
    n_basis = len(free)
    # the element led by reversed free column c: the last free column leads the first
    order = {c: n_basis - 1 - k for k, c in enumerate(free)}
    entries = [(order[c], n_cols - 1 - c, 1, 1) for c in free]
    for p, row in table.items():
        d = row[p]
        if d >= 2**62:
            return None
        for c, v in row.items():
            if c != p:
                if abs(v) >= 2**62:
                    return None
                g = gcd(v, d)
                entries.append((order.get(c, -1), n_cols - 1 - p, -(v // g), d // g))
    entries.sort()
    index, pos, num, den = (np.array(a, np.int64).reshape(-1)
                            for a in zip(*entries or [((),) * 4]))
    return n_basis, index, pos, num, den
