"""Specification strings: ``GROUP : REP_IN -> REP_OUT``, parsed into immutable values.

The parser is a small recursive descent over a token list; every node keeps the
column where it starts so that errors can point at what the user typed.  Each value
prints in canonical form, and the canonical form parses back to the same value:

>>> s = parse_spec("S(3)xS(4):V[0]*V[1]->(V[0]*V[1])")
>>> str(s)
'S(3) x S(4): V[0]*V[1] -> V[0]*V[1]'
>>> parse_spec(str(s)) == s
True
>>> str(parse_spec("Z(8): V -> 3"))
'C(8): V -> 3'
>>> parse_spec("S(5: V -> V")
Traceback (most recent call last):
    ...
intertwine.errors.SpecError: expected ')' at column 4

The parser knows no group and no representation by name: group names come from the
registry of group families (``groups.FAMILIES``: ``NAME``, ``NAME(ints)``,
``NAME(n; cycles)``), representation names from the registry of constructors
(``reps.CONSTRUCTORS``: atoms ``NAME``, ``NAME[i]``, ``NAME(ints)``, ``NAME(ints)[i]``,
functions ``NAME(R)``, ``NAME(R, ints)``); integers, ``+``, ``*``, ``**`` and brackets are
the grammar's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import SpecError
from .groups import FAMILIES, ArgumentError
from .groups.base import Factor as Factor
from .groups.base import Group as Group
from .reps import CONSTRUCTORS, Parsed, constructor_named
from .reps import Defining as Defining
from .reps import Det as Det
from .reps import Dual as Dual
from .reps import Power as Power
from .reps import Rep as Rep
from .reps import Sum as Sum
from .reps import Tensor as Tensor
from .reps import Trivial as Trivial

#: the deepest expression accepted: brackets, dual(...) and ** along one path
MAX_NESTING = 100
#: integer literals longer than this are refused before int() (Python's digit limit)
MAX_LITERAL_DIGITS = 100

__all__ = [
    "SpecError", "Factor", "Group", "Rep", "Trivial", "Defining", "Det", "Dual", "Sum",
    "Tensor", "Power", "Spec", "parse_spec", "parse_rep", "parse_group", "parse_field",
]


# ----------------------------------------------------------------------------- groups

@dataclass(frozen=True)
class Spec:
    group: Group
    rep_in: Rep
    rep_out: Rep

    def __str__(self) -> str:
        return f"{self.group}: {self.rep_in} -> {self.rep_out}"


# ----------------------------------------------------------------------------- tokens

# ``2e``, ``1o``: an irrep of O(3) by degree and parity, one token (see ``reps/irr.py``)
_TOKEN = re.compile(r"\s*(?:(?P<parity>\d+[eo](?![A-Za-z_0-9]))|(?P<int>\d+)"
                    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|->|→|×|[()\[\],;:+*x]))")


@dataclass
class _Tok:
    kind: str  # 'int', 'parity' (2e, 1o), 'name', 'op', 'end'
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos, stop = 0, len(text)
    while True:
        while pos < stop and text[pos].isspace():
            pos += 1
        if pos >= stop:
            toks.append(_Tok("end", "", pos + 1))
            return toks
        # 'x' joins groups and may touch the next name: "S(3)xS(4)".
        if text[pos] in "x×" and toks and toks[-1].text == ")":
            toks.append(_Tok("op", "x", pos + 1))
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            hint = " (powers are written **)" if text[pos] == "^" else ""
            raise SpecError(f"unexpected character {text[pos]!r}{hint}", text, pos + 1)
        kind = m.lastgroup
        tok = m.group(kind)
        toks.append(_Tok(kind, "->" if tok == "→" else ("x" if tok == "×" else tok),
                         m.start(kind) + 1))
        pos = m.end()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.open = 0  # brackets open here (parentheses and functions)

    # -- helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def error(self, message: str, tok: _Tok | None = None) -> SpecError:
        tok = tok or self.tok
        return SpecError(message, self.text, tok.column)

    def describe(self, tok: _Tok) -> str:
        return "end of spec" if tok.kind == "end" else repr(tok.text)

    def accept(self, text: str) -> _Tok | None:
        tok = self.toks[self.i]
        if tok.text == text and tok.kind in ("op", "name"):
            self.i += 1
            return tok
        return None

    def expect(self, text: str) -> _Tok:
        tok = self.accept(text)
        if tok is None:
            raise self.error(f"expected {text!r}")
        return tok

    def integer(self, what: str) -> int:
        tok = self.tok
        if tok.kind != "int":
            raise self.error(f"expected {what}, found {self.describe(tok)}")
        if len(tok.text.lstrip("0")) > MAX_LITERAL_DIGITS:  # before int(): Python's digit limit
            raise self.error(f"the integer {tok.text[:12]}... is too large "
                             f"(at most {MAX_LITERAL_DIGITS} digits)", tok)
        self.i += 1
        return int(tok.text)

    def nest(self, depth: int, tok: _Tok) -> int:
        """``depth`` if within the nesting limit, else an error at ``tok``."""
        if depth > MAX_NESTING:
            raise self.error(f"the expression nests too deeply (at most {MAX_NESTING} levels "
                             "of brackets, dual(...) and **)", tok)
        return depth

    def end(self) -> None:
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.describe(self.tok)}")

    # -- groups
    def group(self) -> Group:
        factors = [self.factor()]
        while self.accept("x"):
            factors.append(self.factor())
        return Group(tuple(factors))

    def factor(self) -> Factor:
        tok = self.tok
        if tok.kind != "name":
            raise self.error(f"expected a group such as S(5), found {self.describe(tok)}")
        if tok.text not in FAMILIES:
            near = [g for g in FAMILIES if g.lower() == tok.text.lower()]
            known = ", ".join(sorted({f.name for f in FAMILIES.values()}))
            hint = f"did you mean {near[0]!r}?" if near else f"known: {known}"
            raise self.error(f"unknown group {tok.text!r} ({hint})")
        fam = FAMILIES[tok.text]
        self.i += 1
        args: list[int] = []
        columns: list[int] = []
        cycles: tuple = ()
        after_name = self.tok
        if self.accept("("):
            columns.append(self.tok.column)
            args.append(self.integer("a positive integer"))
            if fam.syntax == "cycles":
                n_tok = self.toks[self.i - 1]
                if args[0] < 1:
                    raise self.error("the group size must be at least 1", n_tok)
                cycles = self.perm_generators(args[0])
            else:
                while self.accept(","):
                    columns.append(self.tok.column)
                    args.append(self.integer("an integer"))
            self.expect(")")
        try:
            fam.check(tuple(args), cycles)
        except ArgumentError as e:
            at = e.argument
            column = columns[at] if at is not None and at < len(columns) else after_name.column
            raise SpecError(str(e), self.text, column) from None
        return Factor(fam.name, tuple(args), cycles, column=tok.column)

    def perm_generators(self, n: int) -> tuple:
        if not self.accept(";"):
            return ()
        gens = [self.perm_generator(n)]
        while self.accept(","):
            gens.append(self.perm_generator(n))
        return tuple(gens)

    def perm_generator(self, n: int) -> tuple:
        if self.tok.text != "(":
            raise self.error("expected a permutation in cycle notation, such as (0 1 2)")
        seen: set[int] = set()
        cycles = []
        while self.tok.text == "(":
            self.i += 1
            cycle = []
            while self.tok.kind == "int":
                tok = self.tok
                point = self.integer("a point")
                if point >= n:
                    raise self.error(f"point {point} is out of range 0..{n - 1}", tok)
                if point in seen:
                    raise self.error(f"point {point} appears twice in one permutation", tok)
                seen.add(point)
                cycle.append(point)
            self.expect(")")
            if len(cycle) > 1:  # canonical: smallest point first, cycles sorted
                k = cycle.index(min(cycle))
                cycles.append(tuple(cycle[k:] + cycle[:k]))
        return tuple(sorted(cycles))

    # -- representations
    # Each returns (node, depth of its tree); the depth is bounded (``nest``) so that
    # neither this parser nor the traversals of the tree can exhaust Python's stack.
    def rep(self) -> tuple[Rep, int]:
        start = self.tok
        terms = [self.tensor()]
        while self.accept("+"):
            terms.append(self.tensor())
        flat: list[Rep] = []
        for t, _ in terms:
            flat.extend(t.terms if isinstance(t, Sum) else (t,))
        depth = max(d for _, d in terms)
        if len(flat) == 1:
            return flat[0], depth
        return Sum(tuple(flat)), self.nest(depth + 1, start)

    def tensor(self) -> tuple[Rep, int]:
        start = self.tok
        factors = [self.power()]
        while self.accept("*"):
            factors.append(self.power())
        flat: list[Rep] = []
        for f, _ in factors:
            flat.extend(f.factors if isinstance(f, Tensor) else (f,))
        depth = max(d for _, d in factors)
        if len(flat) == 1:
            return flat[0], depth
        return Tensor(tuple(flat)), self.nest(depth + 1, start)

    def power(self) -> tuple[Rep, int]:
        base, depth = self.atom()
        while True:
            tok = self.accept("**")
            if tok is None:
                return base, depth
            depth = self.nest(depth + 1, tok)
            base = Power(base, self.integer("an exponent (an integer >= 0)"))

    def atom(self) -> tuple[Rep, int]:
        tok = self.tok
        if tok.kind == "int":
            k = self.integer("an integer")
            if k < 1:
                raise self.error("a multiplicity must be at least 1", tok)
            return Trivial(k, column=tok.column), 1
        if tok.text == "(" and tok.kind == "op":
            self.open = self.nest(self.open + 1, tok)
            self.i += 1
            inner = self.rep()
            self.expect(")")
            self.open -= 1
            return inner
        if tok.kind == "parity":  # 1o, 1o[i]: irr(1, o)
            cls = constructor_named("irr")
            self.i += 1
            degree = tok.text[:-1]
            if len(degree.lstrip("0")) > MAX_LITERAL_DIGITS:
                raise self.error(f"the integer {degree[:12]}... is too large", tok)
            index = None
            if self.accept("["):
                index = self.integer("a factor index")
                self.expect("]")
            return cls.parse(Parsed("irr", tok.column, (int(degree), tok.text[-1]), index,
                                    int_columns=(tok.column, tok.column), text=self.text)), 1
        cls = constructor_named(tok.text) if tok.kind == "name" else None
        if cls is not None:
            self.i += 1
            if cls.syntax == "function":
                self.open = self.nest(self.open + 1, tok)
                parsed, depth = self.function(tok)
                self.open -= 1
                return cls.parse(parsed), self.nest(depth + 1, tok)
            return cls.parse(self.indexed(tok)), 1
        if tok.kind == "name":
            names = ", ".join(f"{n}(...)" if c.syntax == "function" else n
                              for n, c in CONSTRUCTORS.items())
            hint = ("did you mean 'V'?" if tok.text == "v" else
                    f"use {names}, or an integer")
            raise self.error(f"unknown representation {tok.text!r} ({hint})")
        raise self.error(f"expected a representation, found {self.describe(tok)}")

    def integers(self, parities: bool = False) -> tuple[tuple, tuple[int, ...]]:
        """Integers separated by commas (at least one), and their columns; with
        ``parities`` the names ``e`` and ``o`` too (``irr(l, e)`` of O(3))."""
        values, columns = [], []
        while True:
            columns.append(self.tok.column)
            if parities and self.tok.kind == "name" and self.tok.text in ("e", "o"):
                values.append(self.tok.text)
                self.i += 1
            else:
                values.append(self.integer("an integer"))
            if not self.accept(","):
                return tuple(values), tuple(columns)

    def indexed(self, tok: _Tok) -> Parsed:
        """``NAME``, ``NAME[i]``, ``NAME(ints)``, ``NAME(ints)[i]``."""
        ints: tuple[int, ...] = ()
        columns: tuple[int, ...] = ()
        if self.accept("("):
            ints, columns = self.integers(parities=tok.text == "irr")
            self.expect(")")
        index = None
        if self.accept("["):
            index = self.integer("a factor index")
            self.expect("]")
        return Parsed(tok.text, tok.column, ints, index, int_columns=columns, text=self.text)

    def function(self, tok: _Tok) -> tuple[Parsed, int]:
        """``NAME(R)`` or ``NAME(R, ints)``, and the depth of R."""
        self.expect("(")
        inner, depth = self.rep()
        ints: tuple[int, ...] = ()
        columns: tuple[int, ...] = ()
        if self.accept(","):
            ints, columns = self.integers()
        self.expect(")")
        return Parsed(tok.text, tok.column, ints, reps=(inner,), int_columns=columns,
                      text=self.text), depth


def _resolve(rep: Rep, group: Group, text: str) -> Rep:
    """Check factor indices and fix the printed form of V/det for this group."""
    return rep.resolve(group, text)


def parse_group(text: str) -> Group:
    """Parse a group such as ``"S(3) x S(4)"``."""
    if not isinstance(text, str):
        raise SpecError(f"a group must be a string, not {type(text).__name__}")
    p = _Parser(text)
    g = p.group()
    p.end()
    return g


def parse_rep(text: str, group: Group | str) -> Rep:
    """Parse a representation expression of ``group``, e.g. ``parse_rep("V**2", "S(4)")``."""
    if isinstance(group, str):
        group = parse_group(group)
    p = _Parser(text)
    r, _ = p.rep()
    p.end()
    return _resolve(r, group, text)


def _group_and_colon(text: str) -> tuple[_Parser, Group]:
    """The start that specs and fields share: ``GROUP :``, then the parser at the rest."""
    p = _Parser(text)
    group = p.group()
    if not p.accept(":"):
        raise p.error(f"expected ':' after the group, found {p.describe(p.tok)}")
    return p, group


def parse_field(text: str) -> tuple[Group, Rep]:
    """Parse ``GROUP : REP``, one representation without an arrow (what ``decompose`` and
    the between-layer modules take); raises SpecError on anything else, an arrow too."""
    if not isinstance(text, str):
        raise SpecError(f"a representation must be a string, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty representation; expected GROUP: REP, e.g. 'D(4): V**2'")
    p, group = _group_and_colon(text)
    rep, _ = p.rep()
    if p.tok.kind == "op" and p.tok.text in ("->", "→"):
        raise p.error("expected one representation, GROUP: REP, without an arrow '->'")
    p.end()
    return group, _resolve(rep, group, text)


def parse_spec(text: str) -> Spec:
    """Parse ``GROUP : REP_IN -> REP_OUT``; raises SpecError (a ValueError) on bad input.

    A spec is an immutable value, so the last few are kept: a command that meets the same
    text twice (a file's reader checking its spec, then the command) parses it once."""
    if not isinstance(text, str):
        raise SpecError(f"a spec must be a string, not {type(text).__name__}")
    return _parse_spec_text(text)


def parse_spec_cache_clear() -> None:
    """Forget the specs ``parse_spec`` keeps (tests that count parses start from none)."""
    _parse_spec_text.cache_clear()


@lru_cache(maxsize=32)
def _parse_spec_text(text: str) -> Spec:
    if not text.strip():
        raise SpecError("empty spec; expected GROUP: REP_IN -> REP_OUT, e.g. 'S(5): V -> V'")
    p, group = _group_and_colon(text)
    rep_in, _ = p.rep()
    if not p.accept("->"):
        raise p.error(f"expected '->' or an operator, found {p.describe(p.tok)}")
    rep_out, _ = p.rep()
    p.end()
    return Spec(group, _resolve(rep_in, group, text), _resolve(rep_out, group, text))
