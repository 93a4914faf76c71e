"""Exact bases of representations that are rational after a square-root scaling.

An irrep of exactness "sqrt" (``groups/irrep.py``) is rho = D^-1 R D with R rational and
D = diag(sqrt(s)), and every expression built from such irreps is again of that form,
with the scaling composed alike (``reps.squares``).  Then rho_out W = W rho_in exactly
when W' = D_out W D_in^-1 satisfies R_out W' = W' R_in: the exact solver runs on the
rational form (``Problem.rational_form``) and gives the RREF basis W'_k.  Each
W_k = D_out^-1 W'_k D_in, divided by its value at W'_k's leading position, is an element
of the RREF basis of the intertwiners: scaling positions keeps the pivot columns, so the
leading positions and the zeros at other elements' pivots stay where they were.

Every value is then v = w' sqrt(s_in[c] s_out[r0] / (s_out[r] s_in[c0])) for the entry
w' at (r, c) of an element leading at (r0, c0): stored exactly as the signed square
sign(v) v**2 = sign(w') a / b (``Coo.square_numerator``, ``square_denominator``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..coo import Coo
from ..problem import Problem
from .result import SolveResult

__all__ = ["solve_sqrt", "signed_squares_of"]


def solve_sqrt(problem: Problem) -> SolveResult:
    from .exact import solve_exact

    result = solve_exact(problem.rational_form(), stream=False)
    scale_in, scale_out = problem.squares
    coo = result.coo
    coo.square_numerator, coo.square_denominator, coo.value = signed_squares_of(
        coo, scale_in, scale_out)
    coo.numerator = coo.denominator = None
    result.attrs = {**result.attrs, "exact_values": "sqrt"}
    return result


def _leading(index: np.ndarray, row: np.ndarray, col: np.ndarray):
    """(row, col) of each entry's element's leading position (entries sorted by element,
    then position, as the exact solver gives them)."""
    starts = np.flatnonzero(np.diff(index, prepend=-1))
    counts = np.diff(np.append(starts, len(index)))
    return np.repeat(row[starts], counts), np.repeat(col[starts], counts)


def signed_squares_of(coo: Coo, scale_in, scale_out):
    """(sign(v) a, b, v) with v = w' sqrt(a / b) from the rational entries w' =
    numerator / denominator of ``coo`` and the scalings' squares s = n / d (pairs of
    object arrays): a / b = w'**2 s_in[c] s_out[r0] / (s_out[r] s_in[c0])."""
    (n_in, d_in), (n_out, d_out) = scale_in, scale_out
    num = np.asarray(coo.numerator).astype(object)
    den = np.asarray(coo.denominator).astype(object)
    r0, c0 = _leading(coo.index, coo.row, coo.col)
    row, col = coo.row, coo.col
    a = num * num * n_in[col] * d_in[c0] * n_out[r0] * d_out[row]
    b = den * den * d_in[col] * n_in[c0] * d_out[r0] * n_out[row]
    g = np.gcd(a, b)
    a, b = a // g, b // g
    sign = np.where(np.asarray(coo.numerator) < 0, -1, 1)
    value = np.array([float(Fraction(int(x), int(y))) ** 0.5 for x, y in zip(a, b)]) \
        if len(a) else np.zeros(0)
    return _compact(sign * a), _compact(b), np.asarray(sign * value, np.float64)


def _compact(a: np.ndarray) -> np.ndarray:
    """int64 where every value fits, else the Python ints (written as decimal strings)."""
    if not len(a):
        return np.zeros(0, np.int64)
    big = max(abs(int(x)) for x in (a.max(), a.min()))
    return a.astype(np.int64) if big < 2**63 else a
