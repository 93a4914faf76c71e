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
>>> check_field("Grid", (5,), parse_group("C(8)").factors[0])
'C(8) has no Grid(5): pixel grids are for C(n) and D(n) with n in {1, 2, 4}'
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
           "field_matrices", "field_character", "element_classes", "PIXEL_SIZES"]

#: n for which C(n) and D(n) map into the symmetries of the square pixel grid
PIXEL_SIZES = (1, 2, 4)


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
        if kind in ("C", "D") and n in PIXEL_SIZES:
            return None
        return f"{what}: pixel grids are for C(n) and D(n) with n in {{1, 2, 4}}"
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
    return args[0] ** 2


def _order(factor) -> int:
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
    kind, n = factor.kind, factor.args[0]
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

def element_classes(factor) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(weights, values) for the character sums of ``counting``: every element of C(n)
    or D(n) (t, flip for r^t s^flip, and fix/sign on V), or the (fix, sign) histogram
    of S(n), A(n), Perm; None where that is too large."""
    kind, n = factor.kind, factor.args[0]
    if kind in ("C", "D"):
        if 2 * n > MAX_ELEMENTS:
            return None
        flips = (0, 1) if kind == "D" else (0,)
        t = np.tile(np.arange(n), len(flips))
        flip = np.repeat(np.array(flips), n)
        gcd = np.gcd(t, n)
        # rotation r^t: gcd(t, n) cycles; reflection i -> t - i: fixed points solve 2i = t
        fix_rot = np.where(t == 0, n, 0)
        fix_ref = np.where(n % 2 == 1, 1, np.where(t % 2 == 0, 2, 0))
        fix = np.where(flip == 1, fix_ref, fix_rot)
        cycles = np.where(flip == 1, fix_ref + (n - fix_ref) // 2, gcd)
        sign = np.where((n - cycles) % 2 == 1, -1, 1)
        return np.ones(len(t), np.int64), {"t": t, "flip": flip, "fix": fix, "sign": sign,
                                           "identity": (t == 0) & (flip == 0)}
    from .counting import histogram

    hist = histogram(factor)  # the whole group: no replacement of S(n) by a smaller one
    if hist is None:
        return None
    keys = list(hist)
    fix = np.array([f for f, _ in keys], np.int64)
    return (np.array([hist[key] for key in keys], dtype=object),
            {"fix": fix, "sign": np.array([s for _, s in keys], np.int64),
             "identity": fix == n})  # V is faithful on these groups


def field_character(name: str, args: tuple[int, ...], factor, value) -> np.ndarray:
    """chi on the classes of ``element_classes``; ``value(key)`` gives their arrays."""
    if name == "reg":
        order = _order(factor)
        identity = np.asarray(value("identity"), bool)
        return np.where(identity, order, 0) if order < 2**62 else \
            np.where(identity, 1, 0).astype(object) * order
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
