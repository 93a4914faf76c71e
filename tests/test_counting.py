"""count() against known values, against itself (closed form vs characters) and against
a brute force that builds every group element's representation matrices."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from functools import reduce
from math import factorial

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.linalg import block_diag

from intertwine.counting import (
    MAX_ORDER,
    bell_at_most,
    count,
    count_characters,
    count_closed_form,
    derangements,
    group_order,
    histogram,
    stirling2,
)
from intertwine.reps import dimension
from intertwine.spec import Defining, Det, Dual, Power, Sum, Tensor, Trivial, parse_spec

BELL = [1, 1, 2, 5, 15, 52, 203, 877, 4140]


# ----------------------------------------------------------------------------- brute force

def _cycles_to_perm(n: int, cycles) -> tuple[int, ...]:
    perm = list(range(n))
    for c in cycles:
        for a, b in zip(c, c[1:] + c[:1], strict=True):
            perm[a] = b
    return tuple(perm)


def _generators(factor) -> list[tuple[int, ...]]:
    """Generators written out independently of intertwine.groups."""
    n = factor.args[0]
    shift = tuple((i + 1) % n for i in range(n))
    if factor.kind == "S":
        return [shift, _cycles_to_perm(n, [(0, 1)] if n > 1 else [])]
    if factor.kind == "A":
        return [_cycles_to_perm(n, [(0, 1, k)]) for k in range(2, n)]
    if factor.kind == "C":
        return [shift]
    if factor.kind == "D":
        return [shift, tuple((-i) % n for i in range(n))]
    return [_cycles_to_perm(n, gen) for gen in factor.cycles]


def _closure(n: int, gens) -> list[tuple[int, ...]]:
    identity = tuple(range(n))
    seen, frontier = {identity}, [identity]
    while frontier:
        nxt = []
        for p in frontier:
            for g in gens:
                q = tuple(g[p[i]] for i in range(n))
                if q not in seen:
                    seen.add(q)
                    nxt.append(q)
        frontier = nxt
    return sorted(seen)


def _perm_matrix(p) -> np.ndarray:
    m = np.zeros((len(p), len(p)))
    m[list(p), range(len(p))] = 1
    return m


def _rho(rep, mats):
    """Matrix of rep at one group element; mats[i] is factor i's permutation matrix."""
    if isinstance(rep, Trivial):
        return np.eye(rep.k)
    if isinstance(rep, Defining):
        return mats[rep.factor]
    if isinstance(rep, Det):
        return np.array([[np.linalg.det(mats[rep.factor])]])
    if isinstance(rep, Dual):
        return np.linalg.inv(_rho(rep.rep, mats)).T
    if isinstance(rep, Sum):
        return block_diag(*[_rho(t, mats) for t in rep.terms])
    if isinstance(rep, Tensor):
        return reduce(np.kron, [_rho(f, mats) for f in rep.factors])
    if isinstance(rep, Power):
        return reduce(np.kron, [_rho(rep.base, mats)] * rep.k, np.eye(1))
    raise TypeError(rep)


def brute_count(spec) -> int:
    per_factor = [[_perm_matrix(p) for p in _closure(f.args[0], _generators(f))]
                  for f in spec.group.factors]
    total = 0.0
    elements = list(itertools.product(*per_factor))
    for mats in elements:
        total += np.trace(_rho(spec.rep_in, mats)) * np.trace(_rho(spec.rep_out, mats))
    value = total / len(elements)
    assert abs(value - round(value)) < 1e-6
    return round(value)


def brute_histogram(factor) -> dict:
    hist = Counter()
    for p in _closure(factor.args[0], _generators(factor)):
        m = _perm_matrix(p)
        hist[(int(np.trace(m)), round(np.linalg.det(m)))] += 1
    return dict(hist)


# ----------------------------------------------------------------------------- combinatorics

def test_stirling_and_bell():
    assert [stirling2(5, j) for j in range(7)] == [0, 1, 15, 25, 10, 1, 0]
    assert stirling2(0, 0) == 1 and stirling2(3, 0) == 0 and stirling2(-1, 0) == 0
    assert [bell_at_most(m, m) for m in range(len(BELL))] == BELL
    assert [bell_at_most(m, 10**6) for m in range(len(BELL))] == BELL
    assert bell_at_most(0, 1) == 1
    assert bell_at_most(5, 2) == 1 + 15
    assert bell_at_most(12, 10**6) == 4213597


@pytest.mark.parametrize("m", range(8))
def test_derangements_by_parity(m):
    even = odd = 0
    for p in itertools.permutations(range(m)):
        if all(p[i] != i for i in range(m)):
            sign = round(np.linalg.det(_perm_matrix(p))) if m else 1
            even, odd = even + (sign == 1), odd + (sign == -1)
    assert derangements(m) == (even, odd)


# ----------------------------------------------------------------------------- histograms

@pytest.mark.parametrize("group", [f"{k}({n})" for k in "SACD" for n in range(1, 8)])
def test_histograms_match_enumeration(group):
    factor = parse_spec(f"{group}: V -> V").group.factors[0]
    hist = histogram(factor)
    order = group_order(parse_spec(f"{group}: 1 -> 1").group)
    assert sum(hist.values()) == order
    # D(1) and D(2) (orders 2 and 4) do not act faithfully on their 1 and 2 points:
    # the enumeration sees the image, each of whose elements stands for order/|image|
    image = brute_histogram(factor)
    scale = order // sum(image.values())
    assert hist == {key: v * scale for key, v in image.items()}
    assert scale == (2 if group in ("D(1)", "D(2)") else 1)


@pytest.mark.parametrize("perm, same_as", [
    ("Perm(5; (0 1 2 3 4), (0 1))", "S(5)"),
    ("Perm(9; (0 1 2 3 4 5 6 7 8), (0 1 2))", "A(9)"),  # 181440 elements
    ("Perm(6; (0 1 2 3 4 5), (1 5)(2 4))", "D(6)"),
    ("Perm(7; (0 1 2 3 4 5 6))", "C(7)"),
])
def test_perm_histograms_match_named_groups(perm, same_as):
    factors = parse_spec(f"{perm} x {same_as}: 1 -> 1").group.factors
    assert histogram(factors[0]) == histogram(factors[1])


@pytest.mark.parametrize("perm", [
    "Perm(3)", "Perm(5; ())", "Perm(6; (1 3))", "Perm(7; (0 2)(1 3), (4 5 6))",
    "Perm(8; (0 1 2 3)(4 5), (1 3)(6 7), (0 4)(1 5)(2 6)(3 7))",
])
def test_perm_histograms_match_closure(perm):
    factor = parse_spec(f"{perm}: V -> V").group.factors[0]
    assert histogram(factor) == brute_histogram(factor)


def test_group_order():
    group = parse_spec("S(4) x A(5) x A(1) x C(6) x D(5) x Perm(6; (0 1 2), (3 4)): 1 -> 1").group
    assert group_order(group) == 24 * 60 * 1 * 6 * 10 * 6
    assert group_order(parse_spec("SO(3) x S(3): 1 -> 1").group) is None


# ----------------------------------------------------------------------------- known values

@pytest.mark.parametrize("spec, n", [
    ("S(5): V**2 -> V**2", 15),
    ("S(8): V -> V", 2),
    ("S(5): V**2 -> 1", 2),
    ("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", 4),
    ("S(2) x S(3) x S(4): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]", 8),
    ("C(8): V -> V", 8),
    ("C(8): V -> 3*1", 3),
    ("C(8): V -> 3", 3),
    ("S(2): V -> det", 1),
    ("A(6): det -> 1", 1),
    ("A(1): det -> 1", 1),
    ("D(3): V -> V", 2),
    ("D(1): V -> V", 1),
    ("D(2): V -> V", 2),
    ("S(4): V**0 -> (V + 1)**0", 1),
    ("S(1000000): V**3 -> V**3", 203),
    ("S(1000000): V**3 * det -> V**3 * det", 203),
    ("S(1000000): V**2 -> det", 0),
    ("A(1000000): V**4 -> 1", 15),
])
def test_known_values(spec, n):
    assert count(parse_spec(spec)) == n
    assert count_characters(parse_spec(spec)) == n


@pytest.mark.parametrize("n", range(1, 9))
def test_sign_representation(n):
    assert count(parse_spec(f"S({n}): det -> det")) == 1
    assert count(parse_spec(f"S({n}): V -> det")) == (1 if n <= 2 else 0)  # S(1): both trivial
    assert count(parse_spec(f"S({n}): det -> 1")) == (1 if n == 1 else 0)
    assert count(parse_spec(f"A({n}): det -> 1")) == 1


def test_big_symmetric_group_is_instant():
    start = time.perf_counter()
    assert count(parse_spec("S(1000000): V**3 -> V**3")) == 203
    assert count(parse_spec("S(1000000): (V + 1)**6 -> V**6")) == count(
        parse_spec("S(20): (V + 1)**6 -> V**6"))
    assert count(parse_spec("S(1000000) x S(3): V[0]**4*det[1] -> det[1]*V[0]**2")) == 203
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("n", range(1, 8))
def test_symmetric_tensor_powers(n):
    for k, l in itertools.product(range(7), repeat=2):
        if k + l > 6:
            continue
        spec = parse_spec(f"S({n}): V**{k} -> V**{l}")
        expected = sum(stirling2(k + l, j) for j in range(n + 1))
        assert count_closed_form(spec) == expected
        assert count_characters(spec) == expected
        assert count(spec) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12, 10**6])
def test_cyclic_tensor_powers(n):
    for k, l in itertools.product(range(4), repeat=2):
        expected = n ** (k + l - 1) if k + l else 1
        assert count(parse_spec(f"C({n}): V**{k} -> V**{l}")) == expected


@pytest.mark.parametrize("n", range(1, 12))
def test_dihedral_orbitals(n):
    # D(n) acting on ordered pairs of vertices: one orbit per distance 0..n//2
    # (D(1) and D(2) act 2-transitively or trivially, which the formula also covers)
    assert count(parse_spec(f"D({n}): V -> V")) == n // 2 + 1


@pytest.mark.parametrize("n", range(1, 10))
def test_reduction_agrees_with_the_full_histogram(n):
    # S(n) and A(n) are replaced by S(d + 2) and A(d + 2) in count_characters; the full
    # histograms, summed directly, must give the same numbers
    for kind in "SA":
        factor = parse_spec(f"{kind}({n}): 1 -> 1").group.factors[0]
        full = histogram(factor)
        for k, l, dets in itertools.product(range(3), range(3), range(2)):
            spec = parse_spec(f"{kind}({n}): V**{k} * det**{dets} -> (V + 1)**{l}")
            direct = sum(c * f ** k * s ** dets * (f + 1) ** l for (f, s), c in full.items())
            assert count_characters(spec) * sum(full.values()) == direct


# ----------------------------------------------------------------------------- None cases

def test_none_when_not_countable():
    assert count(parse_spec("SO(3): V -> V")) is None
    assert count(parse_spec("S(3) x O(2): V[0] -> V[0]")) is None
    big = "Perm(12; (0 1 2 3 4 5 6 7 8 9 10 11), (0 1))"  # S(12), far above MAX_ORDER
    assert group_order(parse_spec(f"{big}: 1 -> 1").group) > MAX_ORDER
    assert count(parse_spec(f"{big}: V -> V")) is None
    spec = parse_spec("C(5) x D(5): V[0]*V[1] -> det[1]")
    assert count_characters(spec, max_tuples=2) is None
    assert count_characters(spec, max_order=1) == count(spec)  # no Perm factor involved


def test_unused_huge_perm_factor_costs_nothing():
    big = "Perm(12; (0 1 2 3 4 5 6 7 8 9 10 11), (0 1))"
    assert count(parse_spec(f"S(4) x {big}: V[0] -> V[0]")) == 2


def test_huge_dimensions_stay_exact():
    # characters beyond int64: C(10**7) on V**4 -> V**3 is n**6 = 10**42
    assert count(parse_spec("C(10000000): V**4 -> V**3")) == 10**42
    n = 10**7 + 1  # odd: n**7 from the identity, 1 from each of the n reflections, over 2n
    assert count(parse_spec(f"D({n}): V**4 -> V**3")) == (n**6 + 1) // 2


# ----------------------------------------------------------------------------- brute force

_FACTORS = st.one_of(
    st.sampled_from(["S(1)", "S(2)", "S(3)", "S(4)", "A(1)", "A(3)", "A(4)", "A(5)"]),
    st.integers(1, 7).map(lambda n: f"C({n})"),
    st.integers(1, 6).map(lambda n: f"D({n})"),
    st.integers(1, 5).flatmap(lambda n: st.lists(st.permutations(range(n)), max_size=2).map(
        lambda gens, n=n: f"Perm({n}; {', '.join(map(_cycle_notation, gens)) or '()'})")),
)


def _cycle_notation(perm) -> str:
    seen, out = set(), []
    for start in range(len(perm)):
        cycle, j = [], start
        while j not in seen:
            seen.add(j)
            cycle.append(j)
            j = perm[j]
        if len(cycle) > 1:
            out.append("(" + " ".join(map(str, cycle)) + ")")
    return "".join(out) or "()"


def _reps(n_factors: int):
    index = st.integers(0, n_factors - 1)
    atoms = st.one_of(st.integers(1, 2).map(str), index.map(lambda i: f"V[{i}]"),
                      index.map(lambda i: f"det[{i}]"))
    return st.recursive(atoms, lambda r: st.one_of(
        st.tuples(r, r).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(r, r).map(lambda t: f"{t[0]}*{t[1]}"),
        st.tuples(r, st.integers(0, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
        r.map(lambda s: f"dual({s})"),
    ), max_leaves=5)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data())
def test_count_matches_brute_force(data):
    factors = data.draw(st.lists(_FACTORS, min_size=1, max_size=2))
    reps = _reps(len(factors))
    text = f"{' x '.join(factors)}: {data.draw(reps)} -> {data.draw(reps)}"
    spec = parse_spec(text)
    order = group_order(spec.group)
    assume(order <= 120)
    assume(dimension(spec.rep_in, spec.group) * dimension(spec.rep_out, spec.group) <= 2000)
    expected = brute_count(spec)
    assert count(spec) == expected, text
    assert count_characters(spec) == expected, text
    closed = count_closed_form(spec)
    assert closed is None or closed == expected, text


def test_brute_force_sanity():
    # the brute force itself, on values known by hand
    assert brute_count(parse_spec("S(3): V -> V")) == 2
    assert brute_count(parse_spec("D(4): V -> V")) == 3
    assert brute_count(parse_spec("S(3): V*det -> V")) == 1
    assert len(_closure(4, _generators(parse_spec("A(4): 1 -> 1").group.factors[0]))) == 12
    assert factorial(4) == len(_closure(4, _generators(parse_spec("S(4): 1->1").group.factors[0])))
