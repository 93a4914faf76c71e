"""``irr(k)`` of C(n), ``irr(j, k)`` of D(n): real irreducible representations (escnn's).

The generator i -> i+1 acts as the rotation by 2 pi k/n (k = 0: 1, k = n/2: -1), D(n)'s
reflection as diag(1, -1) or a sign (``irreps``).  Those with 4k/n not an integer have
irrational matrices: they act by float matrices (numeric method only); the others by
signed permutations.  Character: 2 cos(2 pi k t/n) at r^t, 0 at reflections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import irreps
from .base import constructor
from .field import FieldAtom

#: D(n) up to this n lists its irreducible representations in an error message
MAX_LISTED = 12


@constructor
@dataclass(frozen=True)
class Irrep(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "irr"
    usage = "irr(...), irr(...)[i]"
    summary = "irreducibles: irr(k) of C(n), irr(j, k) of D(n)"
    syntax = "atom"

    @classmethod
    def check_arguments(cls, parsed) -> None:
        if not parsed.ints:  # how many depends on the group: unavailable() says
            raise parsed.error("irr needs its label: irr(k) on C(n), irr(j, k) on D(n)")

    def unavailable(self, factor) -> str | None:
        kind = factor.kind
        if kind not in ("C", "D"):
            return "irr(k) is defined for C(n) and irr(j, k) for D(n)"
        if len(self.args) != (1 if kind == "C" else 2):
            return f"on {kind}(n) it is " + ("irr(k)" if kind == "C" else "irr(j, k)")
        n = factor.args[0]
        if irreps.is_valid_label(kind, n, tuple(self.args)):
            return None
        if kind == "C":
            return f"k runs over 0..{n // 2}"
        if n <= MAX_LISTED:
            return "its irreducible representations are " + \
                ", ".join(f"irr({j}, {k})" for j, k in irreps.valid_labels(kind, n))
        top = (n + 1) // 2 - 1
        return ("its irreducible representations are irr(0, 0), irr(1, 0), irr(1, k) for "
                f"1 <= k <= {top}" + (f", irr(0, {n // 2}), irr(1, {n // 2})"
                                      if n % 2 == 0 else ""))

    def size(self, factor) -> int:
        return irreps.dimension(factor.kind, factor.args[0], self.args)

    def rational_on(self, factor) -> bool:
        return irreps.is_rational(factor.kind, factor.args[0], self.args)

    def signed_generators(self, factor) -> list[tuple]:
        out = []
        for perm, sign in irreps.signed_generators(factor.kind, factor.args[0], self.args):
            sign = np.array(sign, np.int8)
            out.append((np.array(perm, np.int64), None if (sign > 0).all() else sign))
        return out

    def float_generators(self, factor) -> list[np.ndarray]:
        return irreps.generator_matrices(factor.kind, factor.args[0], self.args)

    def element_character(self, factor, value):
        chi = irreps.character(factor.kind, factor.args[0], self.args, value("t"),
                               value("flip"))
        return np.rint(chi).astype(np.int64) if self.rational_on(factor) else chi
