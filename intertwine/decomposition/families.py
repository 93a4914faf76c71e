"""Which irreducible representations a group's representation may contain, per family.

``decompose`` needs, for a group G and a representation REP, the irreducible
representations I of G in the order they are printed, each with its dimension and
its multiplicity in REP (the dimension of Hom_G(REP, I): every irrep here is of real
type, so the two agree).  One :class:`IrrepFamily` per group family answers that; adding
a group to ``decompose`` is adding one here and registering it in ``FAMILIES``.

Multiplicities come from the independent count of ``intertwine dim`` (characters over
the group's elements for finite groups, see ``counting.py``), not from a basis, so a
candidate that does not occur costs nothing; where no count is known the basis is
computed (``api.dim``).

>>> from intertwine.decomposition.field import parse_field
>>> [(i.label, m) for i, m in multiplicities(parse_field("D(4): sym(V, 2)"))]
[('irr(0, 0)', 3), ('irr(0, 2)', 2), ('irr(1, 1)', 2), ('irr(1, 2)', 1)]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import prod

from .. import irreps as dihedral_irreps
from ..errors import SpecError
from .field import Field

__all__ = ["Irrep", "IrrepFamily", "FAMILIES", "family_of", "candidates", "multiplicities"]

#: D(n) with more irreps than this are not enumerated (each is a count over 2n elements)
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class Irrep:
    """One irreducible representation: its canonical string, dimension, and whether its
    matrices are exact (rational, or rational up to square roots) or float."""

    label: str
    dim: int
    exact: bool


class IrrepFamily:
    """The irreducible representations of one kind of factor."""

    #: how the family is named in messages, e.g. "D(n)"
    name = ""

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        """Every irrep of ``factor`` (number ``index`` of ``group``) that may occur in
        ``rep``, in printed order, labels without the factor index."""
        raise NotImplementedError


class Dihedral(IrrepFamily):
    """D(n): irr(j, k) in escnn's convention (see ``intertwine/irreps.py``), ordered by
    (j, k); the 1-dimensional ones and those with 4k = n are exact."""

    name = "D(n)"

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        family = factor.family  # the family's own irreps (groups/irrep.py)
        n = factor.args[0]
        labels = dihedral_irreps.valid_labels("D", n)
        if len(labels) > MAX_CANDIDATES:
            from ..errors import TooLarge

            raise TooLarge(f"{factor} has {len(labels)} irreducible representations; "
                           f"decompose enumerates at most {MAX_CANDIDATES}")
        return [Irrep(f"irr({j}, {k})", family.irrep_dimension(factor, (j, k)),
                      family.irrep_exactness(factor, (j, k)) != "float")
                for j, k in sorted(labels)]


#: family kind -> its irreps, for the groups decompose works on
FAMILIES: dict[str, IrrepFamily] = {"D": Dihedral()}

#: groups whose irreducible representations are of complex type: said so in the error
_COMPLEX_TYPE = {"C", "SO"}


def supported_names() -> str:
    return ", ".join(f.name for f in FAMILIES.values())


def _family(factor) -> IrrepFamily:
    works = supported_names()
    found = FAMILIES.get(factor.kind)
    if found is None:
        if factor.kind in _COMPLEX_TYPE and (factor.kind == "C" or factor.args == (2,)):
            raise SpecError(f"{factor} has irreducible representations of complex type, "
                            f"which decompose does not split; it works for {works} "
                            "and their products")
        raise SpecError(f"decompose does not know the irreducible representations of "
                        f"{factor}; it works for {works} and their products")
    return found


def family_of(field: Field) -> list[IrrepFamily]:
    """The family of each factor of the group; a SpecError (a usage error on the command
    line) naming the groups that work for a factor decompose does not handle."""
    return [_family(f) for f in field.group.factors]


def candidates(field: Field) -> list[Irrep]:
    """Every irrep of the group that may occur: on a product, the tensor products of
    the factors' irreps (each of real type, so the product is irreducible and of real
    type), ordered lexicographically by the factors' orders."""
    group = field.group
    families = family_of(field)
    if len(families) == 1:
        return families[0].candidates(group.factors[0], field.rep, group, 0)
    per_factor = [fam.candidates(f, field.rep, group, i)
                  for i, (fam, f) in enumerate(zip(families, group.factors))]
    total = 1
    for options in per_factor:
        total *= len(options)
    if total > MAX_CANDIDATES:
        from ..errors import TooLarge

        raise TooLarge(f"{group} has {total} irreducible representations; decompose "
                       f"enumerates at most {MAX_CANDIDATES}")
    out = []
    for combo in itertools.product(*per_factor):
        label = "*".join(f"{irrep.label}[{i}]" for i, irrep in enumerate(combo))
        out.append(Irrep(label, prod(irrep.dim for irrep in combo),
                         all(irrep.exact for irrep in combo)))
    return out


def multiplicities(field: Field) -> list[tuple[Irrep, int]]:
    """The irreps of ``field.rep`` with their multiplicities (> 0), in printed order."""
    from ..api import dim
    from ..counting import independent_count
    from ..spec import parse_spec

    out = []
    for irrep in candidates(field):
        spec = parse_spec(field.spec_to(irrep.label))
        count, _ = independent_count(spec)
        if count is None:
            count = dim(spec)
        if count:
            out.append((irrep, count))
    return out
