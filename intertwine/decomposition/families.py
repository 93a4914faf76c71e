"""Which irreducible representations a group's representation may contain, per family.

``decompose`` needs, for a group G and a representation REP, the irreducible
representations I of G in the order they are printed, each with its dimension and
its multiplicity in REP (the dimension of Hom_G(REP, I): every irrep here is of real
type, so the two agree).  One :class:`IrrepFamily` per group family answers that; adding
a group to ``decompose`` is adding one here and registering it in ``FAMILIES``.

Multiplicities come from characters, not from a basis, so a candidate that does not
occur costs nothing: for SO(3), O(3) and O(2) as Laurent polynomials
(``characters.py``), otherwise the independent count of ``intertwine dim`` (characters
over the group's elements, ``counting.py``); where neither applies the numeric basis is
counted (``api.dim``).

>>> from intertwine.decomposition.field import parse_field
>>> [(i.label, m) for i, m in multiplicities(parse_field("D(4): sym(V, 2)"))]
[('irr(0, 0)', 3), ('irr(0, 2)', 2), ('irr(1, 1)', 2), ('irr(1, 2)', 1)]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from math import prod

from ..errors import SpecError
from ..groups import cyclic as dihedral_irreps
from ..reps import Defining, Dual, Power, Sum, Tensor
from ..reps.irr import Irrep as IrrepAtom
from ..reps.sym import Sym
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
    """D(n): irr(j, k) in escnn's convention (see ``intertwine/groups/cyclic.py``), ordered by
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


def max_degree(rep, index: int) -> int:
    """An upper bound of the highest degree (l on SO(3)/O(3), frequency k on O(2)) of the
    irreps in ``rep`` for factor ``index``: V has degree 1, ``irr`` its label's, and a
    tensor product adds degrees (so sym/alt/** multiply them)."""
    def on_factor(node) -> bool:
        return getattr(node, "factor", None) in (None, index)

    if isinstance(rep, Sum):
        return max((max_degree(t, index) for t in rep.terms), default=0)
    if isinstance(rep, Tensor):
        return sum(max_degree(f, index) for f in rep.factors)
    if isinstance(rep, Power | Sym):
        return rep.k * max_degree(rep.base if isinstance(rep, Power) else rep.rep, index)
    if isinstance(rep, Dual):
        return max_degree(rep.rep, index)
    if isinstance(rep, Defining):
        return 1 if on_factor(rep) else 0
    if isinstance(rep, IrrepAtom):
        if not on_factor(rep):
            return 0
        args = tuple(rep.args)
        return args[0] if len(args) == 1 or isinstance(args[1], str) else args[1]
    return 0  # 1, det


class Rotations(IrrepFamily):
    """SO(3): irr(l), O(3): le before lo (e3nn's Irrep(l, p)), l up to REP's degree."""

    name = "SO(3), O(3)"

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        return list(_rotation_irreps(factor, min(max_degree(rep, index), _so3_max())))


@lru_cache(maxsize=64)
def _rotation_irreps(factor, top: int) -> tuple[Irrep, ...]:
    """SO(3)'s or O(3)'s irreps up to degree ``top``, in printed order (the same for every
    representation that reaches that degree)."""
    family = factor.family
    special = factor.kind == "SO"
    out = []
    for degree in range(top + 1):
        for parity in ([None] if special else ["e", "o"]):
            label = (degree,) if special else (degree, parity)
            text = f"irr({degree})" if special else f"{degree}{parity}"
            out.append(Irrep(text, 2 * degree + 1,
                             family.irrep_exactness(factor, label) != "float"))
    return tuple(out)


class Plane(IrrepFamily):
    """O(2): irr(0, 0), irr(1, 0), irr(1, k) for 1 <= k <= REP's degree."""

    name = "O(2)"

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        family = factor.family
        labels = [(0, 0), (1, 0)] + [(1, k) for k in range(1, max_degree(rep, index) + 1)]
        return [Irrep(f"irr({j}, {k})", family.irrep_dimension(factor, (j, k)),
                      family.irrep_exactness(factor, (j, k)) != "float") for j, k in labels]


class Symmetric(IrrepFamily):
    """S(n): irr(lambda) for the partitions of n, in decreasing lexicographic order
    (irr(n) first)."""

    name = "S(n)"

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        from ..combinatorics import integer_partitions

        family = factor.family
        n = factor.args[0]
        out = []
        for shape in integer_partitions(n):
            if len(out) >= MAX_CANDIDATES:
                from ..errors import TooLarge

                raise TooLarge(f"{factor} has more than {MAX_CANDIDATES} irreducible "
                               "representations; decompose enumerates at most that many")
            out.append(Irrep(f"irr({', '.join(map(str, shape))})",
                             family.irrep_dimension(factor, shape),
                             family.irrep_exactness(factor, shape) != "float"))
        return out


def _so3_max() -> int:
    from ..groups.orthogonal import so3_max

    return so3_max()


class _ByDimension(IrrepFamily):
    """SO(n)/O(n): the rotation groups of the plane and of space only."""

    def __init__(self, plane: IrrepFamily | None, space: IrrepFamily):
        self.plane, self.space = plane, space
        self.name = (f"{plane.name}, " if plane else "") + space.name

    def of(self, factor) -> IrrepFamily | None:
        return {(2,): self.plane, (3,): self.space}.get(factor.args)

    def candidates(self, factor, rep, group, index: int) -> list[Irrep]:
        return self.of(factor).candidates(factor, rep, group, index)


#: family kind -> its irreps, for the groups decompose works on
FAMILIES: dict[str, IrrepFamily] = {
    "D": Dihedral(), "O": _ByDimension(Plane(), Rotations()),
    "SO": _ByDimension(None, Rotations()), "S": Symmetric()}

#: groups whose irreducible representations are of complex type: said so in the error
_COMPLEX_TYPE = {"C", "SO"}


def supported_names() -> str:
    return "D(n), O(2), SO(3), O(3), S(n)"


def _family(factor) -> IrrepFamily:
    works = supported_names()
    found = FAMILIES.get(factor.kind)
    if isinstance(found, _ByDimension) and found.of(factor) is None:
        found = None
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
    from .characters import counts

    known = counts(field.rep, field.group)  # SO(3), O(3), O(2): characters, no basis
    if known is not None:
        return [(irrep, known[irrep.label]) for irrep in candidates(field)
                if known.get(irrep.label)]
    from ..api import dim
    from ..counting import independent_count
    from ..spec import parse_spec

    out = []
    for irrep in candidates(field):
        spec = parse_spec(field.spec_to(irrep.label))
        count, _ = independent_count(spec)
        if count is None:  # continuous groups: the basis is computed (numeric: it is small)
            count = dim(spec, "numeric")
        if count:
            out.append((irrep, count))
    return out
