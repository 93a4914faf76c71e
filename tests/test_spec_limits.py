"""Specs that are too large, too deep or too long are refused at once (exit status 2,
"... is too large" or a caret), and tiny problems with huge exponents stay tiny.

Each case below failed in 0.1 (exit 3, a hang, or gigabytes of memory); the command line
runs under a memory limit and a generous time budget, so that a regression fails here
instead of stalling the suite.  The fuzz tests throw random specs from the grammar at
``dim`` and ``compute``: each answers or raises a ValueError (SpecError, TooLarge, ...).
"""

import resource
import signal
import subprocess
import sys
from contextlib import contextmanager
from math import comb, factorial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.problem import Problem
from intertwine.solvers import LIMITS
from intertwine.spec import SpecError, parse_spec

#: generous: every case here answers in about a second on a loaded machine
BUDGET = 60
MEMORY = 3 << 30


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(*args):
    return subprocess.run([sys.executable, "-m", "intertwine", *map(str, args)],
                          capture_output=True, text=True, timeout=BUDGET,
                          preexec_fn=_limit_memory)


def assert_usage_error(run, *needles):
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 4, run.stderr
    for needle in needles:
        assert needle in run.stderr, run.stderr


def bell_at_most_reference(m, n):
    """sum_{j<=n} S2(m, j) by the explicit formula S2(m, j) = (1/j!) sum_i (-1)^i C(j, i)
    (j - i)^m (shares nothing with intertwine's rows or its derangement formula)."""
    return sum(sum((-1) ** i * comb(j, i) * (j - i) ** m for i in range(j + 1)) // factorial(j)
               for j in range(min(n, m) + 1))


# ----------------------------------------------------------------------------- sizes

def test_dim_of_a_huge_power_answers_by_formula():
    run = cli("dim", "S(5): V -> V**9999")
    assert run.returncode == 0, run.stderr
    sys.set_int_max_str_digits(0)
    assert int(run.stdout.strip().splitlines()[-1]) == bell_at_most_reference(10000, 5)


@pytest.mark.parametrize("args", [
    ("basis", "S(3): 2**40 -> 1", "-o", "{out}"),
    ("dim", "Sp(1): V**1000000000000 -> V"),
    ("basis", "Sp(1): V**1000000000000 -> V", "-o", "{out}"),
    ("basis", "GL(1000000): V -> 2", "-o", "{out}"),
    ("basis", "S(3): V**99999999999999999999 -> 1", "-o", "{out}"),
    ("dim", "S(3): 3**99999999999999999999 -> V"),
])
def test_too_large_is_refused_before_anything_is_built(args, tmp_path):
    out = tmp_path / "b.h5"
    run = cli(*(a.format(out=out) for a in args))
    assert_usage_error(run, "too large")
    assert not out.exists()


def test_dim_may_answer_what_basis_refuses():
    assert intertwine.dim("GL(1000000): V -> 2") == 0
    assert intertwine.dim("S(3): 2**40 -> 1") == 2**40
    with pytest.raises(ValueError, match="too large"):
        intertwine.compute("GL(1000000): V -> 2")


@pytest.mark.parametrize("spec,n", [
    ("A(1): V**99999*dual(V) -> V", 1),
    ("S(1): V**10000 -> V**10000", 1),
    ("S(1): V**40 -> 1", 1),
    ("C(1): (V*det)**1000 -> 1", 1),  # V and det of C(1) are trivial
    ("S(2): det**100001 -> det", 1),
    ("GL(1): V**1000 -> V**999", 0),
    ("GL(1): V**1000 -> V**1000", 1),
    # 13-digit exponents of det: the S(n) layout and `show` read powers as (base, k)
    ("S(1): V -> dual(dual((det)**1000000000000))", 1),
    ("S(1): (det)**1000000000000 -> 1", 1),
    ("S(2): V -> V*(det)**1000000000001", 2),
    ("S(3): V -> dual((1)**1000000000000000000000000000000)", 1),
    ("S(3): ((1)**1000000000000000000000000000000)*V -> V", 2),
    # R**0 is 1 however large R: its monomials, (3 * V)**(10**12)'s, are never expanded
    ("S(3): ((V*3)**1000000000000)**0 -> 3", 3),
])
def test_dimension_one_powers_stay_cheap(spec, n, tmp_path):
    assert intertwine.dim(spec) == n
    if n < 10**6:
        out = tmp_path / "b.h5"
        run = cli("basis", spec, "-o", out)
        assert run.returncode == 0, run.stderr
        b = intertwine.load(out)
        assert b.n_basis == n and b.spec == str(parse_spec(spec))
        for command in (("show", out), ("show", "--matrix", out), ("verify", out)):
            run = cli(*command)
            assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("spec,message", [
    # the labels of C(n) and D(n) were enumerated to check irr(...): 10**30 of them
    ("C(10**30): irr(2) -> 1", "too large"),
    ("D(10**30): irr(1, 3) -> irr(1, 3)", "too large"),
    ("D(10**30): irr(0, 3) -> 1", "irr(1, k) for 1 <= k <= 4999"),
    ("C(10**30): (sym(irr(2), 3) + (det + 2)) -> 3*((V[0])**3)", "too large"),
])
def test_irreducible_labels_of_huge_cyclic_and_dihedral_groups(spec, message, tmp_path):
    spec = spec.replace("10**30", str(10**30))
    out = tmp_path / "b.h5"
    assert_usage_error(cli("dim", spec), message)
    assert_usage_error(cli("basis", spec, "-o", out), message)
    assert not out.exists()


@pytest.mark.parametrize("spec", ["A(10**12): det -> reg", "S(10**12): 1 -> reg",
                                  "S(10**5): reg -> 1"])
def test_regular_representations_of_huge_symmetric_groups_are_refused(spec, tmp_path):
    # |G| = n! was computed for reg's dimension: 10**12! never ends
    spec = spec.replace("10**12", str(10**12)).replace("10**5", str(10**5))
    assert_usage_error(cli("dim", spec), "elements: far too many")
    assert_usage_error(cli("basis", spec, "-o", tmp_path / "b.h5"), "too")  # large, many


def test_huge_integers_never_leak_overflow():
    assert intertwine.dim("SO(" + "1" + "0" * 30 + "): V -> V") == 1
    assert intertwine.dim("S(" + "1" + "0" * 30 + "): V**2 -> V**2") == 15
    run = cli("basis", "SO(" + "1" + "0" * 30 + "): V -> V", "-o", "/nonexistent-folder/x.h5")
    assert run.returncode == 2
    run = cli("dim", "SO(10**30): V -> V")
    assert_usage_error(run, "^")


@pytest.mark.parametrize("text", [
    "S(" + "7" * 5000 + "): V -> V",
    "S(3): V**" + "9" * 5000 + " -> V",
    "S(3): V[" + "1" * 4400 + "] -> V",
    "Perm(3; (0 " + "2" * 4400 + ")): V -> V",
])
def test_integers_beyond_pythons_digit_limit_are_usage_errors(text):
    run = cli("dim", text)
    assert_usage_error(run, "too large", "^")
    assert "set_int_max_str_digits" not in run.stderr


# ----------------------------------------------------------------------------- nesting

@pytest.mark.parametrize("text", [
    "S(3): " + "(" * 250 + "V" + ")" * 250 + " -> V",
    "S(3): " + "dual(" * 300 + "V" + ")" * 300 + " -> V",
    "S(3): V" + "**1" * 5000 + " -> V",
    "S(3): " + "(" * 2000 + " -> V",
    "S(3): V -> " + "(V + " * 400 + "V" + ")" * 400,
])
def test_deep_nesting_is_a_usage_error_with_a_caret(text):
    run = cli("dim", text)
    assert_usage_error(run, "nests too deeply", "^")
    with pytest.raises(SpecError, match="nests too deeply"):
        parse_spec(text)


def test_nesting_within_the_limit_is_fine():
    assert intertwine.dim("S(3): " + "dual(" * 40 + "V" + ")" * 40 + " -> V") == 2
    assert intertwine.dim("S(3): " + "(" * 90 + "V" + ")" * 90 + "**1**1 -> V") == 2


# ----------------------------------------------------------------------------- fuzz

@contextmanager
def budget(seconds, memory=MEMORY):
    """A generous wall-clock budget, and ``memory`` bytes of address space beyond what
    the process holds now: a hang or a runaway allocation fails the example (TimeoutError,
    MemoryError) instead of stalling the suite or waking the kernel's out-of-memory killer.
    Only the soft limit is lowered, so it can be put back."""
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    held = _address_space()
    if held is not None:  # Linux: elsewhere the wall-clock budget alone
        cap = held + memory if hard == resource.RLIM_INFINITY else min(held + memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, old)


def _address_space() -> int | None:
    """This process's virtual memory now (VmSize), in bytes; None where /proc has none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def test_the_budget_turns_a_runaway_allocation_into_a_memory_error():
    import numpy as np

    if _address_space() is None:
        pytest.skip("no /proc/self/status here")
    with pytest.raises(MemoryError):
        with budget(BUDGET, memory=256 << 20):
            np.ones(1 << 30)  # 8 GiB
    assert len(np.ones(1 << 26)) == 1 << 26  # 512 MiB: the limit is lifted again


HUGE = st.sampled_from([10**6, 10**12, 10**30, 10**99])
SMALL = st.integers(1, 4)
GROUPS = st.one_of(
    st.builds(lambda k, n: f"{k}({n})", st.sampled_from(["S", "A", "C", "D"]),
              st.one_of(SMALL, HUGE)),
    st.sampled_from(["SO(3)", "O(3)", "O(1,3)", "Sp(1)", "GL(2)", "SL(2)", "Perm(4; (0 1 2 3))",
                     "SO(1000000)", "GL(" + "9" * 40 + ")", "Octa", "FullOcta"]),
)


def reps(depth):
    # with the representations of 0.2, which take their sizes from the group: reg (|G|),
    # irr(...) (labels up to n/2), Grid(k)
    atoms = st.sampled_from(["V", "det", "1", "2", "3", "reg", "irr(1)", "irr(1, 1)", "Grid(3)"])
    if depth == 0:
        return atoms
    sub = reps(depth - 1)
    exponent = st.one_of(st.integers(0, 3), HUGE, st.just(99999))
    return st.one_of(
        atoms,
        st.builds(lambda r: f"dual({r})", sub),
        st.builds(lambda a, b: f"({a} + {b})", sub, sub),
        st.builds(lambda a, b: f"{a}*{b}", sub, sub),
        st.builds(lambda r, k: f"({r})**{k}", sub, exponent),
        st.builds(lambda k, r: f"{k}*({r})", st.one_of(SMALL, HUGE), sub),
        st.builds(lambda f, r, k: f"{f}({r}, {k})", st.sampled_from(["sym", "alt"]), sub,
                  st.one_of(SMALL, HUGE)),
    )


SPECS = st.builds(lambda g, a, b: f"{g}: {a} -> {b}", GROUPS, reps(3), reps(3))
#: computed only when this small (larger ones take seconds that tell nothing new), or when
#: far beyond every limit (then they must be refused at once)
SMALL_ENOUGH = 20_000


def _size(spec):
    """Unknowns, or a number beyond every limit where one side alone is large (its
    generators are built whatever the other side); None where sizing refuses."""
    try:
        p = Problem.from_spec(spec)
        return max(p.entries, p.dim_in + p.dim_out)
    except ValueError:
        return None  # refused while sizing: what compute must do too


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPECS)
def test_fuzz_dim_and_compute_answer_or_refuse(spec):
    with budget(BUDGET):
        size = _size(spec)
        if size is None or size <= SMALL_ENOUGH or size > max(LIMITS.values()):
            try:
                n = intertwine.dim(spec)
                assert isinstance(n, int) and n >= 0
            except ValueError:
                pass
            try:
                b = intertwine.compute(spec)
                assert size is not None and size <= SMALL_ENOUGH
                assert b.n_basis >= 0
            except ValueError:
                pass


TEXT = st.text(alphabet="SACDOGLPermpVdetual0123456789()[],;:+*x-> ", max_size=60)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_fuzz_text_parses_or_raises_spec_error(text):
    with budget(BUDGET):
        try:
            parse_spec(text)
        except SpecError as e:
            assert e.column is None or 1 <= e.column <= len(text) + 1


@settings(max_examples=6, deadline=None)
@given(SPECS)
def test_fuzz_cli_exits_0_or_2(spec):
    size = _size(spec)
    if size is not None and SMALL_ENOUGH < size <= max(LIMITS.values()):
        return
    run = cli("dim", spec)
    assert run.returncode in (0, 2), run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr


@settings(max_examples=200, deadline=None)
@given(st.sampled_from("CD"), st.integers(1, 60), st.integers(-1, 2), st.integers(-2, 64))
def test_label_check_agrees_with_the_list_of_labels(kind, n, j, k):
    from intertwine.groups import cyclic as irreps

    label = (k,) if kind == "C" else (j, k)
    assert irreps.is_valid_label(kind, n, label) == (label in irreps.valid_labels(kind, n))
