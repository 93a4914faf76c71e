"""Young's orthogonal form of S(n), written straight from its definition (see the S(n)
irreps in docs/irreps_sn.rst), shared by the tests of the irreps, the Young module and
decompose.  Shares no code with intertwine: the standard tableaux are every filling of
the diagram kept when rows and columns increase.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import sympy


@cache
def tableaux(shape) -> list[tuple[int, ...]]:
    """Row words (row of letter 1, ..., row of letter n) of the standard tableaux of
    ``shape``, sorted: the irrep's coordinates."""
    cells = [(r, c) for r, length in enumerate(shape) for c in range(length)]
    words = []
    for letters in itertools.permutations(range(1, len(cells) + 1)):
        at = dict(zip(cells, letters))
        if all(at[(r, c)] < at.get((r, c + 1), 99) and at[(r, c)] < at.get((r + 1, c), 99)
               for r, c in cells):
            word = [0] * len(cells)
            for (r, _), letter in at.items():
                word[letter - 1] = r
            words.append(tuple(word))
    return sorted(words)


def contents(word) -> list[int]:
    """Content (column - row) of each letter of a row word."""
    filled: dict[int, int] = {}
    out = []
    for row in word:
        out.append(filled.get(row, 0) - row)
        filled[row] = filled.get(row, 0) + 1
    return out


def transposition(shape, i, exact: bool = False):
    """rho of the transposition of the points i-1 and i (letters i, i+1): e_T ->
    (1/r) e_T + sqrt(1 - 1/r^2) e_T', r the difference of the letters' contents; a
    float numpy array, or a sympy matrix with ``exact``."""
    words = tableaux(shape)
    index = {w: k for k, w in enumerate(words)}
    out = sympy.zeros(len(words), len(words)) if exact else np.zeros((len(words),) * 2)
    for k, w in enumerate(words):
        c = contents(w)
        r = c[i] - c[i - 1]
        out[k, k] = sympy.Rational(1, r) if exact else 1 / r
        if abs(r) >= 2:
            swapped = list(w)
            swapped[i - 1], swapped[i] = swapped[i], swapped[i - 1]
            out[index[tuple(swapped)], k] = sympy.sqrt(1 - sympy.Rational(1, r * r)) \
                if exact else np.sqrt(1 - 1 / r**2)
    return out
