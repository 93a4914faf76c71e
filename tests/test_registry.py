"""Methods as plug-ins: the registry is the one list of methods, and a method registered
from outside the package is chosen, solved and offered like the built-in ones."""

from __future__ import annotations

import numpy as np
import pytest

from intertwine import api, solvers
from intertwine.batch.schedule import PROCESS_BYTES, estimate_bytes
from intertwine.cli.app import MethodChoice
from intertwine.problem import Problem
from intertwine.solvers import MethodError, choose_method, registry
from intertwine.solvers.orbit import solve_orbit


def test_one_list_of_methods():
    assert registry.choices() == solvers.METHODS == ("auto", "orbit", "exact", "numeric")
    assert tuple(MethodChoice().choices) == registry.choices()
    assert [registry.method(n).exact for n in registry.names()] == [True, True, False]


@pytest.mark.parametrize("spec, method, reason", [
    ("SO(3): V -> V", "orbit", "finite groups only"),
    ("C(8): irr(1) -> irr(1)", "exact", "needs rational matrices"),
    ("S(3): V -> V", "bogus", "unknown method 'bogus'; choose one of auto, orbit, exact"),
])
def test_a_method_that_does_not_apply_says_why(spec, method, reason):
    with pytest.raises(MethodError, match=reason):
        choose_method(Problem.from_spec(spec), method)


@pytest.mark.parametrize("spec, chosen", [("C(4): V**2 -> V", "orbit"),
                                          ("SO(3): V**2 -> V**2", "exact"),
                                          ("C(8): irr(1) -> irr(1)", "numeric")])
def test_auto_takes_the_first_method_that_applies(spec, chosen):
    assert choose_method(Problem.from_spec(spec)) == chosen


def _brute(problem: Problem, stream: bool = False, **options):
    """A stand-in for a new method: the orbit solver under another name."""
    return solve_orbit(problem)


@pytest.fixture
def brute(monkeypatch):
    m = registry.Method(name="brute", preference=-1, exact=True,
                        applies=lambda p: None if p.finite else "brute: finite groups only",
                        limit=lambda p: 10**4, memory=lambda p: 7 * p.entries, solve=_brute,
                        auto_takes=lambda p: p.entries <= 100)
    monkeypatch.setitem(registry._REGISTRY, "brute", m)
    return m


def test_a_new_method_is_one_registration(brute):
    assert registry.choices()[:2] == ("auto", "brute")
    assert "brute" in MethodChoice().choices
    small, large = Problem.from_spec("D(5): V -> V"), Problem.from_spec("D(20): V**2 -> V")
    assert choose_method(small) == "brute" and choose_method(large) == "orbit"
    with pytest.raises(MethodError, match="brute: finite groups only"):
        choose_method(Problem.from_spec("SO(3): V -> V"), "brute")
    b, reference = api.compute("D(5): V -> V", "brute"), api.compute("D(5): V -> V", "orbit")
    assert b.method == "brute" and b.exact and b.n_basis == reference.n_basis
    assert np.array_equal(b.dense(), reference.dense())
    with pytest.raises(ValueError, match="too large for method brute"):
        api.compute("S(20): V**2 -> V**2", "brute")


def test_the_scheduler_asks_the_method_for_its_memory(brute):
    class Entry:
        chosen, problem = "brute", Problem.from_spec("D(5): V**2 -> V")

    assert estimate_bytes(Entry()) == PROCESS_BYTES + 7 * 125
