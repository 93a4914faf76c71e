"""Multiplicities in representations of SO(3), O(3) and O(2) from their characters.

A character of SO(3) is a function of the rotation angle θ, a Laurent polynomial in
z = e^{iθ} (held as {power: coefficient}): irr(l) has z^-l + ... + z^l, so the
multiplicity of irr(l) in a character Σ c_m z^m is c_l - c_{l+1}.  O(3) adds the value
at the rotation composed with the inversion -I (a second polynomial): the even and odd
halves decompose alone.  O(2) has the rotations (irr(1, k): z^k + z^-k) and one class
of reflections, where only irr(0, 0) (+1) and irr(1, 0) (-1) have a nonzero trace.

Sums add characters, tensor products multiply them, and sym/alt come from the values at
g^m through the cycle index of S_k (as in ``reps/sym.py``'s characters, written here
on polynomials): g^m is z -> z^m, with (-I)^m and a reflection's s^m alternating.
Coefficients are Python ints throughout: the cycle index is summed times k! (each
weight k!/z a whole number) and divided by k! at the end, exactly.

>>> from intertwine.spec import parse_group, parse_rep
>>> g = parse_group("O(3)")
>>> sorted(counts(parse_rep("sym(sym(V, 2), 2)", g), g).items())
[('0e', 2), ('2e', 2), ('4e', 1)]
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from math import factorial, prod

from ..combinatorics import integer_partitions
from ..reps import Defining, Det, Dual, Power, Sum, Tensor, Trivial
from ..reps.alt import Alt
from ..reps.irr import Irrep
from ..reps.sym import Sym

__all__ = ["counts", "applies"]

#: sym/alt powers beyond this are not expanded here (the basis is counted instead)
MAX_K = 12


class Unknown(Exception):
    """A part this module does not know: the caller counts another way."""


def _poly_mul(a: dict, b: dict) -> dict:
    out: dict[int, int] = {}
    for i, x in a.items():
        for j, y in b.items():
            out[i + j] = out.get(i + j, 0) + x * y
    return {k: v for k, v in out.items() if v}


def _poly_add(a: dict, b: dict, scale=1) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + scale * v
    return {k: v for k, v in out.items() if v}


def _stretch(a: dict, m: int) -> dict:
    return {k * m: v for k, v in a.items()}


def _spin(l: int) -> dict:
    return dict.fromkeys(range(-l, l + 1), 1)


class _Character:
    """Values at the rotation z and at the other component: O(3): z·(-I), a polynomial;
    O(2): a reflection, a number (``other``); SO(3): none."""

    def __init__(self, rot: dict, other=None):
        self.rot, self.other = rot, other

    def power(self, m: int, kind: str) -> _Character:
        """The character at g^m."""
        rot = _stretch(self.rot, m)
        if kind == "O3":
            return _Character(rot, _stretch(self.other if m % 2 else self.rot, m))
        if kind == "O2":
            return _Character(rot, self.other if m % 2 else sum(self.rot.values()))
        return _Character(rot)

    def __add__(self, o):
        other = None if self.other is None else (
            _poly_add(self.other, o.other) if isinstance(self.other, dict)
            else self.other + o.other)
        return _Character(_poly_add(self.rot, o.rot), other)

    def __mul__(self, o):
        other = None if self.other is None else (
            _poly_mul(self.other, o.other) if isinstance(self.other, dict)
            else self.other * o.other)
        return _Character(_poly_mul(self.rot, o.rot), other)

    def scaled(self, c):
        other = None if self.other is None else (
            {k: c * v for k, v in self.other.items()} if isinstance(self.other, dict)
            else c * self.other)
        return _Character({k: c * v for k, v in self.rot.items()}, other)

    def divided(self, c: int):
        """The character divided by c, which divides every coefficient."""
        def exactly(v: int) -> int:
            q, r = divmod(v, c)
            if r:  # not a character: count another way
                raise Unknown
            return q

        other = None if self.other is None else (
            {k: exactly(v) for k, v in self.other.items()} if isinstance(self.other, dict)
            else exactly(self.other))
        return _Character({k: exactly(v) for k, v in self.rot.items()}, other)


def _kind(group) -> str | None:
    if len(group.factors) != 1:
        return None
    f = group.factors[0]
    return {("SO", (3,)): "SO3", ("O", (3,)): "O3", ("O", (2,)): "O2"}.get((f.kind, f.args))


def applies(group) -> bool:
    return _kind(group) is not None


def _atom(kind: str, l: int, parity: int, reflection: int = 0) -> _Character:
    if kind == "SO3":
        return _Character(_spin(l))
    if kind == "O3":
        return _Character(_spin(l), {m: parity * v for m, v in _spin(l).items()})
    # O(2): l is the frequency k; reflection the trace at a reflection
    rot = {0: 1} if l == 0 else {l: 1, -l: 1}
    return _Character(rot, reflection)


@cache  # k <= MAX_K: a few small tuples
def _cycle_index(k: int) -> tuple[tuple[tuple[int, ...], int, int], ...]:
    """The cycle index of S_k times k!: (cycle type, k!/z, its sign) per partition of k,
    z the order of the centraliser of a permutation of that cycle type."""
    out = []
    for shape in integer_partitions(k):
        z = prod(m ** a * factorial(a) for m, a in Counter(shape).items())
        out.append((shape, factorial(k) // z, (-1) ** (k - len(shape))))
    return tuple(out)


#: the expression nodes known here, in the order they are tried (an Alt is a Sym)
_NODES = (Sum, Tensor, Power, Dual, Sym, Trivial, Defining, Det, Irrep)
_node_of: dict[type, type | None] = {}


def _node(rep) -> type | None:
    """The first of ``_NODES`` that ``rep`` is an instance of, found once per class (an
    isinstance that fails on these abstract classes is a Python-level call)."""
    cls = type(rep)
    if cls not in _node_of:
        _node_of[cls] = next((node for node in _NODES if isinstance(rep, node)), None)
    return _node_of[cls]


def _character(rep, group, kind: str) -> _Character:
    node = _node(rep)
    if node is Sum:
        parts = [_character(t, group, kind) for t in rep.terms]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out
    if node is Tensor:
        parts = [_character(t, group, kind) for t in rep.factors]
        out = parts[0]
        for p in parts[1:]:
            out = out * p
        return out
    if node is Power:
        base = _character(rep.base, group, kind)
        out = _atom(kind, 0, 1, 1)
        for _ in range(rep.k):
            out = out * base
        return out
    if node is Dual:  # real characters: the same
        return _character(rep.rep, group, kind)
    if node is Sym:
        if rep.k > MAX_K:
            raise Unknown
        inner = _character(rep.rep, group, kind)
        strict = isinstance(rep, Alt)
        total = None
        for shape, weight, sign in _cycle_index(rep.k):
            term = inner.power(shape[0], kind)
            for m in shape[1:]:
                term = term * inner.power(m, kind)
            term = term.scaled(sign * weight if strict else weight)
            total = term if total is None else total + term
        return total.divided(factorial(rep.k))
    if node is Trivial:
        return _atom(kind, 0, 1, 1).scaled(rep.k)
    if node is Defining:
        return _atom(kind, 1, -1, 0)
    if node is Det:
        return _atom(kind, 0, -1, -1)
    if node is Irrep:
        args = tuple(rep.args)
        if kind == "O2":
            j, k = args
            return _atom(kind, k, 1, (1 if j == 0 else -1) if k == 0 else 0)
        if kind == "O3":
            return _atom(kind, args[0], 1 if args[1] == "e" else -1)
        return _atom(kind, args[0], 1)
    raise Unknown


def counts(rep, group) -> dict[str, int] | None:
    """{irrep label: multiplicity > 0}, or None where this module does not apply."""
    kind = _kind(group)
    if kind is None:
        return None
    try:
        chi = _character(rep, group, kind)
    except Unknown:
        return None
    out: dict[str, int] = {}

    def spins(poly: dict, suffix) -> None:
        top = max(poly, default=0)
        for l in range(top + 1):
            m = poly.get(l, 0) - poly.get(l + 1, 0)
            if m:
                out[suffix(l)] = int(m)

    if kind == "SO3":
        spins(chi.rot, lambda l: f"irr({l})")
    elif kind == "O3":
        spins({k: (v + chi.other.get(k, 0)) // 2 for k, v in chi.rot.items()},
              lambda l: f"{l}e")
        spins({k: (v - chi.other.get(k, 0)) // 2 for k, v in chi.rot.items()},
              lambda l: f"{l}o")
    else:
        c0, r = chi.rot.get(0, 0), chi.other
        for label, m in (("irr(0, 0)", (c0 + r) // 2), ("irr(1, 0)", (c0 - r) // 2)):
            if m:
                out[label] = int(m)
        for k in sorted(x for x in chi.rot if x > 0):
            out[f"irr(1, {k})"] = int(chi.rot[k])
    return out
