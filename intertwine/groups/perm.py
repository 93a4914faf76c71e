"""Permutation groups from generators: ``Perm(n; (0 1 2), (0 1))``."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .base import FiniteFamily, from_cycles, power_histogram, register

if TYPE_CHECKING:
    from .base import Factor

#: Largest int64 array (elements x moved points) materialised while enumerating a group.
_CHUNK = 2_000_000


@register
class Perm(FiniteFamily):
    names = ("Perm",)
    syntax = "cycles"
    summary = "permutation group from generators"
    usage = "Perm(n; (0 1)(2 3), ...)"

    def format(self, f: Factor) -> str:
        gens = ", ".join("".join("(" + " ".join(map(str, c)) + ")" for c in g) or "()"
                         for g in f.cycles)
        return f"Perm({f.args[0]}; {gens})" if gens else f"Perm({f.args[0]})"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        return [from_cycles(f.args[0], g) for g in f.cycles]

    def order(self, f: Factor) -> int:
        if not any(f.cycles):
            return 1
        from sympy.combinatorics import Permutation, PermutationGroup

        n = f.args[0]
        return int(PermutationGroup([Permutation([list(c) for c in gen], size=n)
                                     for gen in f.cycles]).order())

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        return perm_histogram(f, max_order, powers)


def perm_histogram(factor: Factor, max_order: int, powers: int = 1) -> dict | None:
    """Enumerate a Perm group through its stabiliser chain; None above max_order elements.

    Every element is uniquely u_1 u_2 ... u_k with u_i from the i-th transversal (a
    Schreier-Sims chain, taken from sympy), so the elements come out as vectorised
    products without a search, and the order is known before anything is enumerated.
    """
    n = factor.args[0]
    moved = sorted({p for gen in factor.cycles for cycle in gen for p in cycle})
    if not moved:
        return {(n, 1) + (n,) * (powers - 1): 1}
    from sympy.combinatorics import Permutation, PermutationGroup  # slow import, rarely needed

    label = {p: i for i, p in enumerate(moved)}
    m = len(moved)
    gens = [Permutation([[label[p] for p in c] for c in gen], size=m) for gen in factor.cycles]
    group = PermutationGroup(gens)
    if group.order() > max_order:
        return None
    levels = []
    for transversal in group.basic_transversals:
        reps = list(transversal.values())
        levels.append((np.array([u.array_form for u in reps], dtype=np.int64),
                       np.array([u.signature() for u in reps], dtype=np.int8)))
    hist: Counter = Counter()
    _walk(np.arange(m, dtype=np.int64)[None, :], np.ones(1, np.int8), levels, n - m, hist,
          powers)
    return dict(hist)


def _walk(elems: np.ndarray, signs: np.ndarray, levels: list, fixed_outside: int,
          hist: Counter, powers: int = 1) -> None:
    """Multiply by each level's transversal in turn, in chunks that keep memory bounded."""
    m = elems.shape[1]
    if not levels:
        if powers > 1:
            hist.update(power_histogram(elems, None, signs, powers, fixed_outside))
            return
        fix = np.count_nonzero(elems == np.arange(m), axis=1)
        keys, counts = np.unique(np.stack([fix, signs.astype(np.int64)]), axis=1,
                                 return_counts=True)
        for (f, s), c in zip(keys.T.tolist(), counts.tolist(), strict=True):
            hist[(f + fixed_outside, s)] += c  # in Python: Perm(10**30; ...) fixes 10**30
        return
    table, table_signs = levels[0]
    step = max(1, _CHUNK // (len(table) * m))
    for start in range(0, len(elems), step):
        block = elems[start:start + step]
        # (g o u)(i) = g[u[i]]: every g of the block composed with every u of the level
        grown = block[:, table].reshape(-1, m)
        grown_signs = np.multiply.outer(signs[start:start + step], table_signs).ravel()
        _walk(grown, grown_signs, levels[1:], fixed_outside, hist, powers)
