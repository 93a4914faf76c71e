"""The spec grammar: canonical printing, round trips, and errors that point at the input."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.spec import SpecError, parse_spec

CONTRACT_EXAMPLES = {
    "S(5): V**2 -> V**2": "S(5): V**2 -> V**2",
    "S(8): V -> V": "S(8): V -> V",
    "S(5): V**2 -> 1": "S(5): V**2 -> 1",
    "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]": "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
    "C(8): V -> V": "C(8): V -> V",
    "C(8): V -> 3*1": "C(8): V -> 3*1",
    "O(3): V**4 -> 1": "O(3): V**4 -> 1",
    "SO(1,3): V**2 -> 1": "SO(1,3): V**2 -> 1",
    "S(3)xS(4):V[0]*V[1]->V[0]*V[1]": "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
    "Z(4): V -> V": "C(4): V -> V",
    "S(4): V[0] -> (V)": "S(4): V -> V",
    "S(4): (V*V)*V -> V*(V*V)": "S(4): V*V*V -> V*V*V",
    "S(4): (V + 1) + V -> V + (1 + V)": "S(4): V + 1 + V -> V + 1 + V",
    "S(4): (V+1)**2 -> 2*(V+1)": "S(4): (V + 1)**2 -> 2*(V + 1)",
    "S(4): (V**2)**3 -> V": "S(4): (V**2)**3 -> V",
    "S(4): V**0 -> det": "S(4): V**0 -> det",
    "O(3): dual(V)*det -> dual(V*V)": "O(3): dual(V)*det -> dual(V*V)",
    "Perm(4; (1 2 3 0), (2 0)(3 1))": None,
    "Perm(4; (1 2 3 0), (2 0)(3 1)): V -> V": "Perm(4; (0 1 2 3), (0 2)(1 3)): V -> V",
    "Perm(3; ()): V -> V": "Perm(3; ()): V -> V",
    "Sp(2) x GL(3) x SL(2): V[0] + V[1] -> det[2]":
        "Sp(2) x GL(3) x SL(2): V[0] + V[1] -> det[2]",
    "O(1,3) x D(5) x A(4): V[0] -> V[0]": "O(1,3) x D(5) x A(4): V[0] -> V[0]",
}


@pytest.mark.parametrize("text,canonical", [(k, v) for k, v in CONTRACT_EXAMPLES.items() if v])
def test_canonical_form(text, canonical):
    spec = parse_spec(text)
    assert str(spec) == canonical
    assert parse_spec(canonical) == spec
    assert str(parse_spec(canonical)) == canonical
    assert canonical == f"{spec.group}: {spec.rep_in} -> {spec.rep_out}"


BAD = {
    "S(5: V -> V": 4,
    "Q(3): V -> V": 1,
    "S(3) x S(4): V -> V": 14,
    "S(3) x S(4): V[2] -> V[0]": 14,
    "S(3): V -> ": 12,
    "S(3) V -> V": 6,
    "S(0): V -> V": 3,
    "S(3): V ** -1 -> V": 12,
    "S(3): 0*V -> V": 7,
    "S(3): V -> V V": 14,
    "Perm(3; (0 3)): V -> V": 12,
    "Perm(3; (0 1)(1 2)): V -> V": 15,
    "SO(2,2): V -> V": 6,
    "S(3): W -> V": 7,
    "S(3): V -> V $": 14,
    "S(3): dual V -> V": 12,
}


@pytest.mark.parametrize("text,column", BAD.items())
def test_errors_point_at_the_problem(text, column):
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert info.value.column == column, str(info.value)
    lines = info.value.pointer().splitlines()
    assert lines[0].strip() == text.strip()
    assert lines[1].index("^") - 2 == column - 1


def test_empty_and_non_string():
    for bad in ("", "   "):
        with pytest.raises(SpecError):
            parse_spec(bad)
    with pytest.raises(SpecError):
        parse_spec(None)


# -- random specs: printing and parsing are inverse ------------------------------------

FACTORS = st.sampled_from(["S(3)", "A(4)", "C(5)", "Z(2)", "D(6)", "SO(3)", "O(2)", "SO(1,3)",
                           "O(1,3)", "Sp(1)", "GL(2)", "SL(3)", "Perm(4; (0 1), (1 2 3))"])


def reps(n_factors):
    if n_factors == 1:
        atoms = st.sampled_from(["V", "1", "det", "3", "V[0]", "det[0]"])
    else:
        atoms = st.sampled_from([f"V[{i}]" for i in range(n_factors)]
                                + [f"det[{i}]" for i in range(n_factors)] + ["1", "2"])
    return st.recursive(atoms, lambda r: st.one_of(
        st.tuples(r, r).map(lambda t: f"{t[0]} + {t[1]}"),
        st.tuples(r, r).map(lambda t: f"{t[0]}*{t[1]}"),
        st.tuples(r, st.integers(0, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(st.integers(1, 4), r).map(lambda t: f"{t[0]}*({t[1]})"),
        r.map(lambda x: f"dual({x})"),
        r.map(lambda x: f"({x})"),
    ), max_leaves=6)


@st.composite
def specs(draw):
    factors = draw(st.lists(FACTORS, min_size=1, max_size=3))
    sep = draw(st.sampled_from([" x ", "x", "  x  "]))
    rep = reps(len(factors))
    return f"{sep.join(factors)}: {draw(rep)} -> {draw(rep)}"


@settings(max_examples=300, deadline=None)
@given(specs(), st.sampled_from(["", " ", "  "]))
def test_random_specs_round_trip(text, pad):
    spec = parse_spec(text)
    canonical = str(spec)
    assert parse_spec(canonical) == spec
    assert str(parse_spec(canonical)) == canonical
    spaced = pad + text.replace(":", f"{pad}:{pad}").replace("->", f"{pad}->{pad}") + pad
    assert str(parse_spec(spaced)) == canonical


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="SACDZOPermGLp()[]0123456789,;: x*+-><Vdetdual1", max_size=30))
def test_fuzzed_input_raises_only_spec_errors(text):
    try:
        spec = parse_spec(text)
    except SpecError as e:
        assert e.column is None or 1 <= e.column <= len(text) + 1
    else:
        assert parse_spec(str(spec)) == spec


@settings(max_examples=300, deadline=None)
@given(specs(), st.data())
def test_mutated_specs_raise_only_spec_errors(text, data):
    i = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.sampled_from(["(", ")", "*", "**", "->", ":", "x", "[", "]", "9", ""]))
    mutated = text[:i] + junk + text[i + 1:]
    try:
        parse_spec(mutated)
    except SpecError:
        pass
