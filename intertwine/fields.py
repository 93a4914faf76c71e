"""``reg``, ``irr`` and ``Grid``: which factors have them, their sizes, generators, characters.

These representations exist for some finite groups only, so each answers for a
factor: whether it has the representation (else a usage error naming both), its
dimension, the matrices of the factor's discrete generators (in the order of
``groups.factor_data(factor).discrete``), and its character on the factor's
elements for ``dim`` and ``verify``:

* ``reg``: |G| at the identity, 0 elsewhere;
* ``irr``: 2 cos(2 pi k t/n) at the rotation r^t, 0 at reflections (``irreps``);
* ``Grid(k)``: the grid points the element fixes (``grids.fixed_points``).

The mathematics lives in ``elements``, ``irreps`` and ``grids``; this module only
connects it to the spec's factors.

>>> from intertwine.spec import parse_group
>>> check_field("Grid", (5,), parse_group("C(8)").factors[0]).split(":")[0]
'C(8) has no Grid(5)'
>>> field_dimension("reg", (), parse_group("D(4)").factors[0])
8
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np

from . import irreps
from .elements import (
    MAX_ELEMENTS,
    ElementTable,
    SignedPermutation,
    alternating_table,
    cyclic_table,
    dihedral_generators,
    dihedral_table,
    symmetric_table,
)
from .grids import PLANE_MOVES, fixed_points, grid_permutation

__all__ = ["check_field", "field_dimension", "field_rational", "field_generators",
           "field_matrices", "field_character", "ElementAxis", "PIXEL_SIZES"]

#: n for which C(n) and D(n) map into the symmetries of the square pixel grid
PIXEL_SIZES = (1, 2, 4)
#: groups of signed permutation matrices of R^3 (their V moves the voxels)
CUBE_KINDS = ("Octa", "FullOcta")


def _label(name: str, args: tuple[int, ...]) -> str:
    return name if name == "reg" else f"{name}({', '.join(map(str, args))})"


def check_field(name: str, args: tuple[int, ...], factor) -> str | None:
    """Why ``factor`` has no such representation (a message naming both), or None."""
    what = f"{factor} has no {_label(name, args)}"
    kind, n = factor.kind, factor.args[0]
    if name == "reg":
        return None if factor.finite else \
            f"{what}: a continuous group has no regular representation"
    if name == "Grid":
        if len(args) != 1:
            return "Grid takes one integer, the side k of the grid: Grid(k)"
        if args[0] < 1:
            return "a grid side must be at least 1"
        if (kind in ("C", "D") and n in PIXEL_SIZES) or kind in CUBE_KINDS:
            return None
        return f"{what}: pixel grids are for C(n) and D(n) with n in {{1, 2, 4}}, " \
               "voxel grids for Octa and FullOcta"
    if kind not in ("C", "D"):
        return f"{what}: irr(k) is defined for C(n) and irr(j, k) for D(n)"
    if len(args) != (1 if kind == "C" else 2):
        return f"{what}: {'irr(k) takes one' if kind == 'C' else 'irr(j, k) takes two'} " \
               "integers on " + kind + "(n)"
    labels = irreps.valid_labels(kind, n)
    if tuple(args) in labels:
        return None
    if kind == "C":
        return f"{what}: k runs over 0..{n // 2}"
    shown = ", ".join(_label("irr", lab) for lab in labels)
    return f"{what}: its irreducible representations are {shown}"


def field_dimension(name: str, args: tuple[int, ...], factor) -> int:
    if name == "reg":
        return _order(factor)
    if name == "irr":
        return irreps.dimension(factor.kind, factor.args[0], args)
    return args[0] ** (3 if factor.kind in CUBE_KINDS else 2)


def _order(factor) -> int:
    if factor.kind in CUBE_KINDS:
        return _element_table(factor).order
    kind, n = factor.kind, factor.args[0]
    if kind == "S":
        return factorial(n)
    if kind == "A":
        return max(1, factorial(n) // 2)
    if kind == "C":
        return n
    if kind == "D":
        return 2 * n
    from .counting import group_order
    from .spec import Group

    return group_order(Group((factor,)))


def field_rational(name: str, args: tuple[int, ...], factor) -> bool:
    """False for the irreps whose matrices are not rational (numeric method only)."""
    return name != "irr" or irreps.is_rational(factor.kind, factor.args[0], args)


# ----------------------------------------------------------------------------- generators

@lru_cache(maxsize=16)
def _element_table(factor) -> ElementTable:
    kind = factor.kind
    if kind in CUBE_KINDS:  # 24 or 48 signed permutations of R^3, by closure
        return ElementTable.from_generators(_faithful_generators(factor), 3)
    n = factor.args[0]
    order = _order(factor)
    if order > MAX_ELEMENTS:
        from .problem import TooLarge

        raise TooLarge(f"reg of {factor} has {order} coordinates; at most {MAX_ELEMENTS} "
                       "are built")
    if kind == "S":
        return symmetric_table(n)
    if kind == "A":
        return alternating_table(n)
    if kind == "C":
        return cyclic_table(n)
    if kind == "D":
        return dihedral_table(n)
    from .groups import factor_data

    gens = [SignedPermutation(g.perm) for g in factor_data(factor).discrete]
    if not gens:
        return ElementTable(np.arange(n, dtype=np.int64)[None, :], np.ones((1, n), np.int8))
    return ElementTable.from_generators(gens)


def _faithful_generators(factor) -> list[SignedPermutation]:
    """The factor's discrete generators as elements of ``_element_table``'s rows."""
    if factor.kind == "D":
        return dihedral_generators(factor.args[0])
    from .groups import factor_data

    return [SignedPermutation(g.perm, g.sign) for g in factor_data(factor).discrete]


def _plane_moves(factor) -> list[tuple]:
    """The generators as signed permutations of the plane (r first, then s for D)."""
    n = factor.args[0]
    moves = [PLANE_MOVES[f"rotate{n}"]] if n >= 2 else []
    return moves + ([PLANE_MOVES["reflect"]] if factor.kind == "D" else [])


def field_generators(name: str, args: tuple[int, ...], factor) -> list[tuple]:
    """(perm, sign or None) of each discrete generator, for the rational ones."""
    if name == "reg":
        table = _element_table(factor)
        return [(table.regular(g), None) for g in _faithful_generators(factor)]
    if name == "Grid" and factor.kind in CUBE_KINDS:  # g moves the voxels by rho_V(g)
        return [(grid_permutation(args[0], g.perm, g.sign), None)
                for g in _faithful_generators(factor)]
    if name == "Grid":
        return [(grid_permutation(args[0], *move), None) for move in _plane_moves(factor)]
    out = []
    for perm, sign in irreps.signed_generators(factor.kind, factor.args[0], args):
        sign = np.array(sign, np.int8)
        out.append((np.array(perm, np.int64), None if (sign > 0).all() else sign))
    return out


def field_matrices(name: str, args: tuple[int, ...], factor) -> list[np.ndarray]:
    """Dense float matrices of each discrete generator (the irreps that are not rational)."""
    return irreps.generator_matrices(factor.kind, factor.args[0], args)


# ----------------------------------------------------------------------------- characters

#: factors with more elements are counted from their (fix, sign) histogram (reg only)
MAX_TABLE = 200_000


class ElementAxis:
    """Every element of one finite factor, for the character sums of ``counting``:
    ``weights`` and, at the powers g**p of the elements (for the cycle index of sym and
    alt), the arrays that V, det and the fields need (``value(key, power)``).

    C(n), D(n): by formulas in (t, flip) for r^t s^flip, so C(10**6) costs 10**6 entries.
    Other groups: their element table (faithful rows), powers by composing rows.  A group
    too large for a table falls back to its (fix, sign) histogram, at power 1 only.
    """

    def __init__(self, factor):
        self.factor = factor
        kind = factor.kind
        self.table = None
        self.hist = None
        if kind in ("C", "D"):
            n = factor.args[0]
            flips = (0, 1) if kind == "D" else (0,)
            self.t = np.tile(np.arange(n), len(flips))
            self.flip = np.repeat(np.array(flips), n)
            self.weights = np.ones(len(self.t), np.int64)
        elif kind in CUBE_KINDS or _order(factor) <= MAX_TABLE:
            self.table = _element_table(factor)
            self.weights = np.ones(self.table.order, np.int64)
        else:
            from .counting import histogram

            hist = histogram(factor)  # the whole group: no replacement by a smaller S(n)
            if hist is None:
                raise ValueError("too large")
            self.hist = hist
            self.weights = np.array(list(hist.values()), dtype=object)

    @staticmethod
    def of(factor) -> ElementAxis | None:
        kind = factor.kind
        if kind in ("C", "D") and 2 * factor.args[0] > MAX_ELEMENTS:
            return None
        try:
            return ElementAxis(factor)
        except ValueError:
            return None

    def value(self, key: str, power: int = 1) -> np.ndarray | None:
        """``fix`` (trace on V), ``sign`` (det on V), ``identity``, ``t``/``flip`` (C, D),
        ``element`` (table index) at g**power for every g; None where unknown."""
        if self.table is None and self.hist is None:
            return self._dihedral(key, power)
        if self.hist is not None:
            if power != 1:
                return None
            keys = list(self.hist)
            fix = np.array([f for f, _ in keys], np.int64)
            return {"fix": fix, "sign": np.array([s for _, s in keys], np.int64),
                    "identity": fix == self.factor.degree}.get(key)  # V is faithful here
        index = self._power_index(power)
        if key == "element":
            return index
        if key == "identity":
            return index == 0
        perm, sign = self.table.perm[index], self.table.sign[index]
        degree = self.factor.degree
        perm, sign = perm[:, :degree], sign[:, :degree]
        if key == "fix":
            return np.where(perm == np.arange(degree), sign, 0).sum(axis=1)
        if key == "sign":
            from .elements import _parity

            return np.where(_parity(perm) == 1, -1, 1) * np.prod(sign, axis=1, dtype=np.int64)
        return None

    def _power_index(self, power: int) -> np.ndarray:
        table = self.table
        perm, sign = table.perm, table.sign
        out_p = np.tile(np.arange(perm.shape[1]), (len(perm), 1))
        out_s = np.ones_like(sign)
        for _ in range(power):  # g * (g**m): row-wise composition
            out_s = out_s * np.take_along_axis(sign, out_p, 1)
            out_p = np.take_along_axis(perm, out_p, 1)
        return table.index(out_p, out_s)

    def _dihedral(self, key: str, power: int) -> np.ndarray:
        n = self.factor.args[0]
        odd = power % 2 == 1
        # (r^t)^p = r^(tp); a reflection squares to the identity
        flip = self.flip * odd
        t = np.where(self.flip == 1, self.t * odd, (self.t * power) % n)
        if key == "t":
            return t
        if key == "flip":
            return flip
        if key == "identity":
            return (t == 0) & (flip == 0)
        # rotation r^t: gcd(t, n) cycles; reflection i -> t - i: fixed points solve 2i = t
        fix_ref = np.where(n % 2 == 1, 1, np.where(t % 2 == 0, 2, 0))
        fix = np.where(flip == 1, fix_ref, np.where(t == 0, n, 0))
        if key == "fix":
            return fix
        cycles = np.where(flip == 1, fix_ref + (n - fix_ref) // 2, np.gcd(t, n))
        return np.where((n - cycles) % 2 == 1, -1, 1)  # "sign"


def field_character(name: str, args: tuple[int, ...], factor, value) -> np.ndarray:
    """chi on the elements of an ``ElementAxis``; ``value(key)`` gives their arrays (at
    the power of g that is asked for)."""
    if name == "reg":
        order = _order(factor)
        identity = np.asarray(value("identity"), bool)
        return np.where(identity, order, 0) if order < 2**62 else \
            np.where(identity, 1, 0).astype(object) * order
    if name == "Grid" and factor.kind in CUBE_KINDS:
        table = _element_table(factor)
        fixed = np.array([fixed_points(args[0], p, s) for p, s in zip(table.perm, table.sign)])
        return fixed[value("element")]
    t, flip = value("t"), value("flip")
    if name == "irr":
        chi = irreps.character(factor.kind, factor.args[0], args, t, flip)
        return np.rint(chi).astype(np.int64) if field_rational(name, args, factor) else chi
    n = factor.args[0]
    moves = {}
    for turn in range(n):  # n <= 4, so at most 8 distinct moves
        for f in (0, 1):
            moves[turn, f] = fixed_points(args[0], *_compose_moves(n, turn, f))
    table = np.array([[moves.get((turn, f), 0) for f in (0, 1)] for turn in range(n)])
    return table[t % n, flip]


def _compose_moves(n: int, turn: int, flip: int) -> tuple[list[int], list[int]]:
    """r^turn s^flip as a signed permutation of the plane."""
    perm, sign = [0, 1], [1, 1]
    steps = [PLANE_MOVES["reflect"]] * flip + [PLANE_MOVES[f"rotate{n}"]] * turn
    for p, s in steps:  # apply s first, then r each time: (g h) e_j = s^h_j g e_{h(j)}
        perm, sign = [p[q] for q in perm], [sign[j] * s[perm[j]] for j in range(2)]
    return perm, sign


def _det(perm, sign) -> int:
    """Determinant of a signed permutation matrix: its permutation's sign times its signs'."""
    perm = list(perm)
    parity = 0
    for i in range(len(perm)):
        while perm[i] != i:
            j = perm[i]
            perm[i], perm[j] = perm[j], perm[i]
            parity ^= 1
    return (-1) ** parity * int(np.prod(sign))
