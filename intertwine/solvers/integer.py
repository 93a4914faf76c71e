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

``nullspace_rref`` gives the nullspace in the contract's form (see ``exact``): with
columns reversed, free column f of RREF(C) gives the element with leading position f.
"""

from __future__ import annotations

from math import gcd

import numpy as np

__all__ = ["rref", "nullspace_entries"]


def _primitive(row: dict[int, int], pivot: int) -> dict[int, int]:
    """The row divided by the gcd of its entries, with a positive entry at ``pivot``."""
    g = 0
    for v in row.values():
        g = gcd(g, v)
        if g == 1:
            break
    if row[pivot] < 0:
        g = -g
    if g != 1:
        row = {c: v // g for c, v in row.items()}
    return row


def rref(rows: list[dict[int, int]]) -> dict[int, dict[int, int]]:
    """The reduced row-echelon form of the integer rows, as {pivot column: row}.

    Each row (a dict column -> nonzero int) is primitive with a positive entry at its
    pivot column and zeros at every other pivot column; dividing it by that entry gives
    the row of the RREF.  Columns are compared as ints: the leading column of a row is its
    smallest.
    """
    pivot_rows: dict[int, dict[int, int]] = {}
    # column -> pivot columns whose rows hold it (outside their pivot): the rows a new
    # pivot at that column has to be cleared from
    holders: dict[int, set[int]] = {}
    # Rows whose leading column comes last go first: a pivot row found early then holds
    # few columns that later pivots have to clear (6x less work than sympy's order on
    # SO(3): V**5 -> V**5, 3x less than shortest first).
    for start in sorted((r for r in rows if r), key=lambda r: (-min(r), len(r))):
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
            continue
        p = min(row)
        row = _primitive(row, p)
        d = row[p]
        # clear column p from the pivot rows that hold it
        for q in holders.pop(p, ()):
            qrow = pivot_rows[q]
            a = qrow.pop(p)
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
            pivot_rows[q] = _primitive(qrow, q)
        # its other columns are free so far; none is a pivot (the row is reduced)
        for k in row:
            if k != p:
                holders.setdefault(k, set()).add(p)
        pivot_rows[p] = row
    return pivot_rows


def nullspace_entries(rows: list[dict[int, int]], n_cols: int):
    """The RREF basis of {x : rows . x = 0} over the rationals, as arrays.

    ``rows`` hold columns in *reversed* order (reversed column c is original column
    n_cols - 1 - c).  Returns (n_basis, index, position, numerator, denominator): element
    ``index`` has numerator/denominator at original ``position``; sorted by element, then
    position; denominators positive, fractions in lowest terms; numerators and
    denominators are Python ints in object arrays when one does not fit int64.
    """
    table = rref(rows)
    free = np.setdiff1d(np.arange(n_cols), np.fromiter(table, np.int64, len(table)))
    # the element led by reversed free column c is number order[c]: the largest reversed
    # column is the smallest original position, the first element
    n_basis = len(free)
    order = np.full(n_cols, -1, np.int64)
    order[free[::-1]] = np.arange(n_basis)
    index, pos, num, den = [], [], [], []
    for p, row in table.items():
        d = row[p]
        at = n_cols - 1 - p
        for c, v in row.items():
            if c == p:
                continue
            index.append(order[c])
            pos.append(at)
            if d == 1:
                num.append(-v)
                den.append(1)
            else:
                g = gcd(v, d)
                num.append(-v // g)
                den.append(d // g)
    k = len(index)
    index = np.concatenate([order[free], np.array(index, np.int64)])
    pos = np.concatenate([n_cols - 1 - free, np.array(pos, np.int64)])
    fits = all(-2**63 < x < 2**63 for x in num) and all(x < 2**63 for x in den)
    dtype = np.int64 if fits else object
    num = np.concatenate([np.ones(n_basis, dtype), np.array(num, dtype).reshape(k)])
    den = np.concatenate([np.ones(n_basis, dtype), np.array(den, dtype).reshape(k)])
    sort = np.lexsort((pos, index))
    return n_basis, index[sort], pos[sort], num[sort], den[sort]
