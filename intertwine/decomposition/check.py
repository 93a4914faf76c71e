"""``intertwine verify`` for decomposition files: both equations from the file's own
contents, Q ρ_REP(g) = ρ_IRREPS(g) Q for every stored generator (discrete and Lie) and
Qᵀ Q = M (as Q M⁻¹ Qᵀ = I), in float64 for every file and exactly for exact ones.

Exactly: every value is a signed square (``roots.py``), each entry of either side a sum
of square roots compared in canonical form.  Q is held as one row table (its size is
checked against the memory budget when it is read); the products are formed one row of
Q at a time, so the extra memory is one row's sums.  The multiplicities are checked
against the independent count of ``intertwine dim`` (characters) where one is known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction

import numpy as np

from .core import Decomposition

__all__ = ["verify_decomposition"]

#: float checks: largest entry of the residuals relative to the largest of Q (squared)
TOLERANCE = 1e-9


def _exact_side(spec_side: str, dim: int) -> tuple[list[list[dict]], list[Fraction]]:
    """ρ of every generator (discrete, then Lie) of ``GROUP: R`` as rows {column: signed
    square}, with the squares of R's scaling: the rational form R' (ρ = D⁻¹ R' D, so
    ρ_kj = R'_kj·√(s_j/s_k)), the Lie generators divided by their multipliers."""
    from ..problem import Problem
    from .gram import scaling_squares

    problem = Problem.from_spec(f"{spec_side} -> 1")
    scaled = problem.exactness == "sqrt"
    form = problem.rational_form() if scaled else problem
    if scaled:
        squares = scaling_squares(problem.squares[0])
    else:
        squares = [Fraction(1)] * dim
    multipliers = form.lie_multipliers or [1] * len(form.lie_in)

    def rows(a, divisor) -> list[dict]:
        c = a.coo() if hasattr(a, "coo") else a
        den = getattr(a, "denominator", 1) * divisor
        out: list[dict] = [{} for _ in range(dim)]
        for r, col, v in zip(np.asarray(c.row).tolist(), np.asarray(c.col).tolist(),
                             np.asarray(c.value).tolist()):
            x = Fraction(v) / den
            out[r][col] = x * abs(x) * squares[col] / squares[r]
        return out

    return ([rows(a, 1) for a in form.discrete_in]
            + [rows(a, c) for a, c in zip(form.lie_in, multipliers)]), squares


def _exact_generator_pairs(d: Decomposition) -> list[tuple[list[dict], list[dict]]]:
    """(ρ_REP, ρ_IRREPS) of every generator, built from the spec (which ``_spec_checks``
    holds the stored float generators against), ρ_IRREPS block by block: one irrep at a
    time, so that no common denominator of all their scalings is formed."""
    rep, _ = _exact_side(d.spec, d.dim)
    blocks = {label: _exact_side(f"{d.group}: {label}", k)[0]
              for (label, _), k in zip(d.irreps, d.irrep_dims)}
    out = []
    for g in range(len(rep)):
        rows: list[dict] = []
        for label, first, _ in d.blocks():
            rows += [{first + c: v for c, v in row.items()} for row in blocks[label][g]]
        out.append((rep[g], rows))
    return out


def _float_checks(d: Decomposition) -> Iterator[tuple[bool | None, str]]:
    q = d.sparse()
    scale = max(abs(d.coo.value).max(initial=0.0), 1.0)
    pairs = list(zip(d.generators.in_, d.generators.out, ["g"] * len(d.generators.in_)))
    pairs += list(zip(d.generators.lie_in, d.generators.lie_out,
                      ["A"] * len(d.generators.lie_in)))
    worst = 0.0
    for a_in, a_out, _ in pairs:
        r = q @ a_in - a_out @ q
        worst = max(worst, abs(r).max() if r.nnz else 0.0)
    yield (bool(worst <= TOLERANCE * scale),
           f"Q rho_rep = rho_irreps Q for {len(pairs)} generators (largest residual "
           f"{worst:.1e})")
    weights = d.weights()
    gram = (q.T @ q).tocoo()
    off = gram.row != gram.col
    worst_gram = abs(gram.data[off]).max(initial=0.0)
    diagonal = np.zeros(d.dim)
    diagonal[gram.row[~off]] = gram.data[~off]
    worst_gram = max(worst_gram, abs(diagonal - weights).max(initial=0.0))
    dense_ok = worst_gram <= TOLERANCE * scale * scale * max(weights.max(initial=1.0), 1.0)
    yield bool(dense_ok), f"Q^T Q = M (largest residual {worst_gram:.1e})"


def _exact_intertwining(d: Decomposition, rows: list[dict]) -> bool:
    from .roots import SurdSum

    for g_in, g_out in _exact_generator_pairs(d):
        for i in range(d.dim):
            left: dict[int, SurdSum] = defaultdict(SurdSum)
            for k, s in rows[i].items():  # (Q g_in)[i, j] = sum_k Q[i, k] g_in[k, j]
                for j, t in g_in[k].items():
                    left[j].add_product(s, t)
            right: dict[int, SurdSum] = defaultdict(SurdSum)
            for k, t in g_out[i].items():  # (g_out Q)[i, j] = sum_k g_out[i, k] Q[k, j]
                for j, s in rows[k].items():
                    right[j].add_product(t, s)
            if not all(left[j].equals(right[j]) for j in set(left) | set(right)):
                return False
    return True


def _exact_isometry(d: Decomposition, rows: list[dict], weights) -> bool:
    """Q M⁻¹ Qᵀ = I: row i against every row sharing a column with it."""
    from .roots import SurdSum

    by_column: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
    for i, row in enumerate(rows):
        for k, s in row.items():
            by_column[k].append((i, s))
    inverse = [1 / w for w in weights]
    for i, row in enumerate(rows):
        sums: dict[int, SurdSum] = defaultdict(SurdSum)
        for k, s in row.items():
            for j, t in by_column[k]:
                sums[j].add(s * t, inverse[k])
        for j in set(sums) | {i}:
            canonical = {q: c for q, c in sums[j].terms.items() if c}
            if canonical != ({1: Fraction(1)} if i == j else {}):
                return False
    return True


def verify_decomposition(path) -> Iterator[tuple[bool | None, str]]:
    """(passed, message) per check; passed None: skipped."""
    from .files import load

    d = load(path)
    yield True, f"readable decomposition file: {d.spec} = {d.irreps_string}"
    yield from _spec_checks(d)
    yield from _float_checks(d)
    if d.exact:
        from ..spec import parse_group, parse_rep
        from .gram import coordinate_weights

        group = parse_group(d.group)
        weights = coordinate_weights(parse_rep(d.rep, group), group)
        rows = d.exact_change_of_basis()
        yield _exact_intertwining(d, rows), "exactly: Q rho_rep = rho_irreps Q"
        yield _exact_isometry(d, rows, weights), "exactly: Q^T Q = M"
    else:
        yield None, "exact checks: the file is numeric"


def _spec_checks(d: Decomposition) -> Iterator[tuple[bool | None, str]]:
    """The stored generators are the spec's, and the multiplicities the counted ones."""
    from ..counting import independent_count
    from ..problem import Problem
    from ..spec import parse_spec

    problem = Problem.from_spec(f"{d.spec} -> {d.irreps_string}")
    same = True
    for stored, built in ((d.generators.in_, problem.discrete_in),
                          (d.generators.out, problem.discrete_out),
                          (d.generators.lie_in, problem.lie_in),
                          (d.generators.lie_out, problem.lie_out)):
        if len(stored) != len(built):
            same = False
            continue
        for a, b in zip(stored, built):
            b = b.coo() if hasattr(b, "coo") else b
            difference = abs(a - b.tocsr())
            if difference.nnz and difference.max() > 1e-12:
                same = False
    yield same, "the stored generators are those of the group's rep and irreps"
    counted = []
    for label, m in d.irreps:
        n, _ = independent_count(parse_spec(f"{d.spec} -> {label}"))
        counted.append(n is None or n == m)
    yield all(counted), "multiplicities agree with an independent count (characters)"
