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
intertwine.spec.SpecError: expected ')' at column 4
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "SpecError", "Factor", "Group", "Rep", "Trivial", "Defining", "Det", "Dual", "Sum",
    "Tensor", "Power", "Field", "Spec", "parse_spec", "parse_rep", "parse_group",
]


class SpecError(ValueError):
    """A spec that cannot be understood; ``column`` is 1-based (None: whole spec)."""

    def __init__(self, message: str, text: str = "", column: int | None = None):
        super().__init__(message if column is None else f"{message} at column {column}")
        self.message = message
        self.text = text
        self.column = column

    def pointer(self) -> str:
        """The failing spec with a caret under the position, for a terminal."""
        if self.column is None or not self.text:
            return f"  {self.text}" if self.text else ""
        return f"  {self.text}\n  {' ' * (self.column - 1)}^"


# ----------------------------------------------------------------------------- groups

#: group name -> (number of integer arguments, canonical name)
GROUP_NAMES = {
    "S": "S", "A": "A", "C": "C", "Z": "C", "D": "D", "Perm": "Perm",
    "SO": "SO", "O": "O", "Sp": "Sp", "GL": "GL", "SL": "SL",
}
FINITE_KINDS = frozenset({"S", "A", "C", "D", "Perm"})
LORENTZ = (1, 3)


@dataclass(frozen=True)
class Factor:
    """One group of a product: ``kind`` is a canonical name, ``args`` its integers.

    ``cycles`` holds, for ``Perm``, one tuple of disjoint cycles per generator.
    """

    kind: str
    args: tuple[int, ...]
    cycles: tuple[tuple[tuple[int, ...], ...], ...] = ()
    column: int = field(default=0, compare=False, repr=False)

    @property
    def finite(self) -> bool:
        return self.kind in FINITE_KINDS

    @property
    def degree(self) -> int:
        """Dimension of the defining representation V."""
        if self.kind in ("SO", "O") and len(self.args) == 2:
            return sum(self.args)
        if self.kind == "Sp":
            return 2 * self.args[0]
        return self.args[0]

    def __str__(self) -> str:
        if self.kind == "Perm":
            gens = ", ".join("".join("(" + " ".join(map(str, c)) + ")" for c in g) or "()"
                             for g in self.cycles)
            return f"Perm({self.args[0]}; {gens})" if gens else f"Perm({self.args[0]})"
        return f"{self.kind}({','.join(map(str, self.args))})"


@dataclass(frozen=True)
class Group:
    factors: tuple[Factor, ...]

    @property
    def finite(self) -> bool:
        return all(f.finite for f in self.factors)

    def __str__(self) -> str:
        return " x ".join(map(str, self.factors))


# ----------------------------------------------------------------------------- reps

class Rep:
    """Base of representation expressions; subclasses are frozen dataclasses."""

    precedence = 3  # 1 sum, 2 tensor, 3 power and atoms

    def wrapped(self, level: int) -> str:
        s = str(self)
        return f"({s})" if self.precedence < level else s


@dataclass(frozen=True)
class Trivial(Rep):
    """``k`` copies of the trivial representation (``1`` is one copy)."""

    k: int
    column: int = field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return str(self.k)


@dataclass(frozen=True)
class Defining(Rep):
    """``V`` or ``V[i]``; ``factor`` is None only before it is resolved to an index."""

    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)

    def __str__(self) -> str:
        return "V" if self.single else f"V[{self.factor}]"


@dataclass(frozen=True)
class Det(Rep):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)

    def __str__(self) -> str:
        return "det" if self.single else f"det[{self.factor}]"


@dataclass(frozen=True)
class Field(Rep):
    """``reg``, ``irr(k)``, ``irr(j, k)``, ``Grid(k)`` of one factor (contract 5.2): the
    representations that exist for some finite groups only (``fields`` checks which)."""

    name: str  # "reg", "irr" or "Grid"
    args: tuple[int, ...] = ()
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)

    def __str__(self) -> str:
        head = self.name if self.name == "reg" else f"{self.name}({', '.join(map(str, self.args))})"
        return head if self.single else f"{head}[{self.factor}]"


@dataclass(frozen=True)
class Dual(Rep):
    rep: Rep

    def __str__(self) -> str:
        return f"dual({self.rep})"


@dataclass(frozen=True)
class Sum(Rep):
    terms: tuple[Rep, ...]
    precedence = 1

    def __str__(self) -> str:
        return " + ".join(t.wrapped(2) for t in self.terms)


@dataclass(frozen=True)
class Tensor(Rep):
    factors: tuple[Rep, ...]
    precedence = 2

    def __str__(self) -> str:
        return "*".join(f.wrapped(3) for f in self.factors)


@dataclass(frozen=True)
class Power(Rep):
    base: Rep
    k: int

    def __str__(self) -> str:
        base = self.base
        inner = f"({base})" if isinstance(base, Sum | Tensor | Power) else str(base)
        return f"{inner}**{self.k}"


@dataclass(frozen=True)
class Spec:
    group: Group
    rep_in: Rep
    rep_out: Rep

    def __str__(self) -> str:
        return f"{self.group}: {self.rep_in} -> {self.rep_out}"


# ----------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"\s*(?:(?P<int>\d+)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|->|→|×|[()\[\],;:+*x]))")


@dataclass
class _Tok:
    kind: str  # 'int', 'name', 'op', 'end'
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
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
        if self.tok.kind in ("op", "name") and self.tok.text == text:
            tok = self.tok
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
        self.i += 1
        return int(tok.text)

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
        if tok.text not in GROUP_NAMES:
            near = [g for g in GROUP_NAMES if g.lower() == tok.text.lower()]
            known = ", ".join(sorted(set(GROUP_NAMES) - {"Z"}))
            hint = f"did you mean {near[0]!r}?" if near else f"known: {known}"
            raise self.error(f"unknown group {tok.text!r} ({hint})")
        kind = GROUP_NAMES[tok.text]
        self.i += 1
        self.expect("(")
        n_tok = self.tok
        n = self.integer("a positive integer")
        if n < 1:
            raise self.error("the group size must be at least 1", n_tok)
        args = [n]
        cycles: tuple = ()
        if kind in ("SO", "O") and self.accept(","):
            q_tok = self.tok
            args.append(self.integer("an integer"))
            if tuple(args) != LORENTZ:
                raise self.error(f"only the Lorentz group {kind}(1,3) has a signature", q_tok)
        elif kind == "Perm":
            cycles = self.perm_generators(n)
        self.expect(")")
        return Factor(kind, tuple(args), cycles, column=tok.column)

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
    def rep(self) -> Rep:
        terms = [self.tensor()]
        while self.accept("+"):
            terms.append(self.tensor())
        flat: list[Rep] = []
        for t in terms:
            flat.extend(t.terms if isinstance(t, Sum) else (t,))
        return flat[0] if len(flat) == 1 else Sum(tuple(flat))

    def tensor(self) -> Rep:
        factors = [self.power()]
        while self.accept("*"):
            factors.append(self.power())
        flat: list[Rep] = []
        for f in factors:
            flat.extend(f.factors if isinstance(f, Tensor) else (f,))
        return flat[0] if len(flat) == 1 else Tensor(tuple(flat))

    def power(self) -> Rep:
        base = self.atom()
        while self.accept("**"):
            base = Power(base, self.integer("an exponent (an integer >= 0)"))
        return base

    def atom(self) -> Rep:
        tok = self.tok
        if tok.kind == "int":
            k = self.integer("an integer")
            if k < 1:
                raise self.error("a multiplicity must be at least 1", tok)
            return Trivial(k, column=tok.column)
        if self.accept("("):
            inner = self.rep()
            self.expect(")")
            return inner
        if tok.kind == "name" and tok.text in ("V", "det"):
            self.i += 1
            index = None
            if self.accept("["):
                index = self.integer("a factor index")
                self.expect("]")
            cls = Defining if tok.text == "V" else Det
            return cls(index, column=tok.column)
        if tok.kind == "name" and tok.text in FIELD_ARGS:
            return self.field_rep()
        if tok.kind == "name" and tok.text == "dual":
            self.i += 1
            self.expect("(")
            inner = self.rep()
            self.expect(")")
            return Dual(inner)
        if tok.kind == "name":
            hint = ("did you mean 'V'?" if tok.text == "v" else
                    "use V, V[i], det, dual(...), reg, irr(k), Grid(k), or an integer")
            raise self.error(f"unknown representation {tok.text!r} ({hint})")
        raise self.error(f"expected a representation, found {self.describe(tok)}")


    def field_rep(self) -> Field:
        tok = self.tok
        self.i += 1
        args: list[int] = []
        if FIELD_ARGS[tok.text]:
            self.expect("(")
            args.append(self.integer("an integer"))
            while self.accept(","):
                args.append(self.integer("an integer"))
            self.expect(")")
        index = None
        if self.accept("["):
            index = self.integer("a factor index")
            self.expect("]")
        return Field(tok.text, tuple(args), index, column=tok.column)


#: representations of some finite groups only: name -> takes arguments in parentheses
FIELD_ARGS = {"reg": False, "irr": True, "Grid": True}


def _resolve(rep: Rep, group: Group, text: str) -> Rep:
    """Check factor indices and fix the printed form of V/det for this group."""
    single = len(group.factors) == 1
    if isinstance(rep, Defining | Det | Field):
        name = "V" if isinstance(rep, Defining) else "det" if isinstance(rep, Det) else \
            str(rep).split("[")[0]
        idx = rep.factor
        if idx is None:
            if not single:
                raise SpecError(f"{name} needs a factor index on a product group, e.g. {name}[0]",
                                text, rep.column)
            idx = 0
        if idx >= len(group.factors):
            raise SpecError(f"{name}[{idx}]: the group has no factor {idx} "
                            f"(factors are 0..{len(group.factors) - 1})", text, rep.column)
        if isinstance(rep, Field):
            from .fields import check_field

            problem = check_field(rep.name, rep.args, group.factors[idx])
            if problem:
                raise SpecError(problem, text, rep.column)
            return Field(rep.name, rep.args, idx, column=rep.column, single=single)
        return type(rep)(idx, column=rep.column, single=single)
    if isinstance(rep, Dual):
        return Dual(_resolve(rep.rep, group, text))
    if isinstance(rep, Sum):
        return Sum(tuple(_resolve(t, group, text) for t in rep.terms))
    if isinstance(rep, Tensor):
        return Tensor(tuple(_resolve(t, group, text) for t in rep.factors))
    if isinstance(rep, Power):
        return Power(_resolve(rep.base, group, text), rep.k)
    return rep


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
    r = p.rep()
    p.end()
    return _resolve(r, group, text)


def parse_spec(text: str) -> Spec:
    """Parse ``GROUP : REP_IN -> REP_OUT``; raises SpecError (a ValueError) on bad input."""
    if not isinstance(text, str):
        raise SpecError(f"a spec must be a string, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty spec; expected GROUP: REP_IN -> REP_OUT, e.g. 'S(5): V -> V'")
    p = _Parser(text)
    group = p.group()
    if not p.accept(":"):
        raise p.error(f"expected ':' after the group, found {p.describe(p.tok)}")
    rep_in = p.rep()
    if not p.accept("->"):
        raise p.error(f"expected '->' or an operator, found {p.describe(p.tok)}")
    rep_out = p.rep()
    p.end()
    return Spec(group, _resolve(rep_in, group, text), _resolve(rep_out, group, text))
