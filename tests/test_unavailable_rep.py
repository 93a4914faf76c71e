"""A representation that a group does not have is a usage error that names both, with a
caret under the representation (the mechanism that reg, irr and Grid use): here with a
representation defined in the test, available on finite factors only."""

import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field

import pytest

from intertwine.reps import CONSTRUCTORS, FactorAtom, Structure, constructor
from intertwine.reps.action import identity
from intertwine.spec import SpecError, parse_spec

DEFINITION = textwrap.dedent('''
    from collections import Counter
    from dataclasses import dataclass, field

    from intertwine.reps import FactorAtom, Structure, constructor
    from intertwine.reps.action import identity


    @constructor
    @dataclass(frozen=True)
    class FiniteOnly(FactorAtom):
        factor: int | None = None
        column: int = field(default=0, compare=False, repr=False)
        single: bool = field(default=True, compare=False, repr=False)
        name = "finiteonly"
        syntax = "atom"

        def unavailable(self, factor):
            return None if factor.finite else "it is not finite"

        def dimension(self, group):
            return 1

        def act(self, walk):
            return identity(1)

        def lie(self, walk):
            import scipy.sparse as sp
            return sp.csr_matrix((1, 1), dtype=int)

        def character(self, walk, power=1):
            return 1

        def degree(self, factor):
            return 0

        def monomials(self, n_factors, dual=False):
            return None

        def structure(self):
            return Structure("leaf")
''')


@pytest.fixture
def finite_only():
    namespace = {}
    exec(DEFINITION, namespace)  # noqa: S102 - test-local constructor, our own text
    try:
        yield namespace["FiniteOnly"]
    finally:
        del CONSTRUCTORS["finiteonly"]


def test_the_error_names_the_representation_and_the_group(finite_only):
    assert str(parse_spec("C(4): finiteonly -> 1")) == "C(4): finiteonly -> 1"
    with pytest.raises(SpecError) as info:
        parse_spec("SO(3): V -> finiteonly")
    assert info.value.column == 13
    assert "finiteonly is not a representation of SO(3)" in str(info.value)
    with pytest.raises(SpecError) as info:
        parse_spec("S(3) x SO(3): finiteonly[0] -> finiteonly[1]")
    assert info.value.column == 32
    assert "finiteonly[1] is not a representation of SO(3): it is not finite" in str(info.value)


def test_the_command_line_exits_2_with_a_caret():
    program = DEFINITION + textwrap.dedent('''
        import sys
        from intertwine.cli import main
        sys.argv = ["intertwine", "dim", "SO(3): finiteonly -> 1"]
        main()
    ''')
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) <= 4 and "Traceback" not in run.stderr
    assert "finiteonly is not a representation of SO(3)" in run.stderr
    assert lines[-1].strip() == "^" and lines[-1].index("^") == lines[-2].index("finiteonly")


_UNUSED = (Counter, dataclass, field, FactorAtom, Structure, constructor, identity)
