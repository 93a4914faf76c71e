"""How many intertwiners there are, counted without building any of them.

``count(spec)`` is the dimension N of Hom_G(rep_in, rep_out) for a finite group G,
an exact Python int.  It shares no code with the basis constructions (orbits,
exact or numeric null spaces), so ``verify`` and the tests can hold a basis up
against it: two independent routes that agree are strong evidence that both are right.

Two routes, the first used whenever it applies:

* **Closed form** for products of symmetric groups acting on sums of tensor powers
  of their V's.  A basis of Hom_{S(n)}(V**k, V**l) is indexed by the set partitions
  of the k + l tensor indices into at most n blocks, so N is a sum of
  ``bell_at_most(k + l, n)`` terms, instant even for n = 10**6.
* **Characters**: N = (1/|G|) sum_g chi_in(g) chi_out(g) (the characters of these
  signed-permutation representations are real).  The character of any expression
  at g depends only on, per factor i, fix_i(g) (the character of V[i]) and sgn_i(g)
  (the character of det[i]), so a histogram of each factor's elements by
  (fix, sign) suffices, and the sum runs over the product of those histograms.

For S(n) and A(n) the histogram of a huge group is both long and full of huge
integers, yet chi_in chi_out is a polynomial of some degree d in fix_i, and every
moment E[fix**a sgn**b] with a <= d is the same for S(n) as for S(d + 2) once
n >= d + 2 (the even moments are Bell numbers, the signed ones vanish; likewise for
A(n)).  So such a factor is replaced by S(d + 2) or A(d + 2) without changing N.

>>> from intertwine.spec import parse_spec
>>> count(parse_spec("S(5): V**2 -> V**2"))
15
>>> count_characters(parse_spec("S(5): V**2 -> V**2"))  # the other route agrees
15
>>> count(parse_spec("SO(3): V -> V")) is None
True
"""

from __future__ import annotations

from math import prod

import numpy as np

from .combinatorics import MAX_CONTINUOUS_DEGREE, bell_at_most, derangements, stirling2
from .groups import element_table
from .groups.base import MAX_ELEMENTS, parity
from .reps import Walk
from .reps.tensor import MAX_MONOMIALS
from .spec import Factor, Group, Rep, Spec

__all__ = [
    "count", "count_closed_form", "count_characters", "stirling2", "bell_at_most",
    "derangements", "histogram", "group_order", "MAX_ORDER", "MAX_TUPLES", "count_continuous",
    "independent_count", "MAX_CONTINUOUS_DEGREE",
]

#: Perm groups with more elements than this are not enumerated (count() gives None).
MAX_ORDER = 200_000
#: Largest product of histogram sizes summed over (count() gives None above it).
MAX_TUPLES = 10**6
#: Characters needing traces of g**j beyond this j are not summed (count() gives None).
MAX_POWER = 64
#: Characters of a higher degree in a factor's traces are not summed (count() gives None).
MAX_CHARACTER_DEGREE = 400
#: Characters bounded by this are evaluated in int64, larger ones as exact Python ints.
_INT64_SAFE = 2**62


# ----------------------------------------------------------------------------- closed form

def _closed(spec: Spec) -> int | None:
    """Hom of sums is the sum of Homs, and for a product group (R_1 (x) R_2)^(G_1 x G_2) =
    R_1^G_1 (x) R_2^G_2: each pair of monomials contributes a product over factors of
    the factor family's closed count (``GroupFamily.hom``); None where one is missing."""
    factors = spec.group.factors
    k = len(factors)
    _check_dimensions(spec)
    mono_in = spec.rep_in.monomials(k)
    mono_out = spec.rep_out.monomials(k)
    if mono_in is None or mono_out is None or len(mono_in) * len(mono_out) > MAX_MONOMIALS:
        return None
    total = 0
    for m_in, c_in in mono_in.items():
        for m_out, c_out in mono_out.items():
            term = c_in * c_out
            for f, a, b in zip(factors, m_in, m_out):
                if a == b == (0, 0, 0):
                    continue  # this factor acts trivially on both: one map
                h = f.family.hom(f, a, b)
                if h is None:
                    return None
                term *= h
                if not term:
                    break
            total += term
    return total


def _check_dimensions(spec: Spec) -> None:
    """Raise TooLarge for a representation beyond ``errors.MAX_DIMENSION_BITS``: every
    multiplicity and character value below is bounded by these dimensions."""
    spec.rep_in.dimension(spec.group)
    spec.rep_out.dimension(spec.group)


def count_closed_form(spec: Spec) -> int | None:
    """N by counting set partitions; None unless every factor is S(n) and det is absent.

    Hom(sum_a R_a, sum_b Q_b) = sum_ab mult_a mult_b prod_i bell_at_most(deg_a[i] + deg_b[i], n_i).
    """
    if not spec.group.finite:
        return None
    return _closed(spec)


# ----------------------------------------------------------------------------- histograms

def histogram(factor: Factor, degree: int | None = None, max_order: int = MAX_ORDER,
              powers: int = 1) -> dict[tuple[int, ...], int] | None:
    """{(trace on V, det): number of elements} of a finite factor (trace = fixed points
    for permutation groups), from the factor's family.

    With ``degree`` given, S(n) and A(n) may be replaced by S(degree + 2), A(degree + 2):
    same averages of every polynomial of degree <= degree in fix (times sign), so
    normalise by the sum of the counts, not by the order.  None for continuous factors
    and for Perm groups of more than max_order elements.  With ``powers`` = p > 1 the keys
    go on with the traces of g**2, ..., g**p (what ``sym`` and ``alt`` need).

    >>> from intertwine.spec import parse_group
    >>> sorted(histogram(parse_group("D(4)").factors[0]).items())
    [((0, -1), 2), ((0, 1), 3), ((2, -1), 2), ((4, 1), 1)]
    """
    if not factor.finite:
        return None
    return factor.family.histogram(factor, degree, max_order, powers)


def group_order(group: Group) -> int | None:
    """|G| as an exact int (Perm groups via Schreier-Sims); None if G is continuous.

    >>> from intertwine.spec import parse_group
    >>> group_order(parse_group("S(4) x C(3) x D(5) x A(1)"))
    720
    """
    if not group.finite:
        return None
    return prod(f.family.order(f) for f in group.factors)


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
        elif kind not in ("S", "A", "Perm") or \
                (factor.family.order(factor) or MAX_TABLE + 1) <= MAX_TABLE:
            self.table = element_table(factor)
            self.weights = np.ones(self.table.order, np.int64)
        else:
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
            return np.where(parity(perm) == 1, -1, 1) * np.prod(sign, axis=1, dtype=np.int64)
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



class _Grid:
    """Per factor, the columns of its histogram keys -- column 0 the trace of g on V, 1
    its determinant, j >= 2 the trace of g**j -- or, for a factor that ``reg``, ``irr`` or
    ``Grid`` need whole, its elements (``ElementAxis``), as arrays broadcast
    along that factor's axis."""

    def __init__(self, axes: dict, dtype):
        self.position = {factor: a for a, factor in enumerate(axes)}
        self.values = axes
        self.ndim = len(axes)
        self.dtype = dtype

    def _shape(self, factor: int, values, cast: bool = True) -> np.ndarray:
        shape = [1] * self.ndim
        shape[self.position[factor]] = -1
        values = np.asarray(values)
        return (values.astype(self.dtype) if cast else values).reshape(shape)

    def leaf(self, factor: int, which: int, power: int = 1):
        """Trace (which 0) or det (1) on V of g**power; None where unknown."""
        axis = self.values[factor]
        if isinstance(axis, list):  # histogram columns
            if which == 1:
                return self._shape(factor, axis[1]) if power % 2 else 1
            column = 0 if power == 1 else power
            return self._shape(factor, axis[column]) if column < len(axis) else None
        values = axis.value("fix" if which == 0 else "sign", power)
        return None if values is None else self._shape(factor, values)

    def element(self, factor: int, key: str, power: int = 1):
        """Arrays a field's character reads (``counting.ElementAxis.value``)."""
        axis = self.values[factor]
        values = None if isinstance(axis, list) else axis.value(key, power)
        return None if values is None else self._shape(factor, values, cast=False)


def _character(rep: Rep, group: Group, grid: _Grid):
    """chi of rep on the grid (None if some part has no known character), in the grid's
    dtype: int64 when |chi| <= dim < 2**62 fits throughout (every sub-expression's
    dimension is at most the whole one's, as all are >= 1), object beyond, float where
    an irrep's matrices are irrational."""
    return Walk("character", group, trace=lambda i, p: grid.leaf(i, 0, p),
                det=lambda i, p: grid.leaf(i, 1, p), element=grid.element,
                dtype=grid.dtype, small=grid.dtype is np.int64).of(rep, 1)


def _element_factors(rep: Rep, found: set[int]) -> set[int]:
    """Factors whose characters some atom needs element by element (reg, irr, Grid)."""
    if getattr(rep, "needs_elements", False):
        found.add(rep.factor)
    for part in rep.children:
        _element_factors(part, found)
    return found


def count_characters(spec: Spec, max_order: int = MAX_ORDER,
                     max_tuples: int = MAX_TUPLES) -> int | None:
    """N = <chi_in, chi_out> summed over the product of the factors' histograms.

    None for continuous groups, a Perm factor of more than max_order elements, or more
    than max_tuples histogram tuples.  Factors that neither rep mentions act trivially
    and are left out (a huge Perm factor there costs nothing).  A factor that ``reg``,
    ``irr`` or ``Grid`` use is summed over element by element (``ElementAxis``).
    """
    group, rep_in, rep_out = spec.group, spec.rep_in, spec.rep_out
    if not group.finite:
        return None
    used = sorted(rep_out.factors_used(rep_in.factors_used(set())))
    whole = _element_factors(rep_out, _element_factors(rep_in, set()))
    axes, weights = {}, []
    for i in used:
        if i in whole:
            axis = ElementAxis.of(group.factors[i])
            if axis is None:
                return None
            axes[i] = axis
            weights.append(np.asarray(axis.weights, dtype=object))
            continue
        degree = rep_in.degree(i) + rep_out.degree(i)
        if degree > MAX_CHARACTER_DEGREE:
            return None  # characters of that degree cost more than they tell
        powers = max(rep_in.max_power(i), rep_out.max_power(i))
        if powers > MAX_POWER:
            return None  # sym/alt of that order have no character here anyway
        hist = histogram(group.factors[i], degree, max_order, powers)
        if hist is None:
            return None
        keys = list(hist)
        axes[i] = [list(column) for column in zip(*keys)]
        weights.append(np.array([hist[key] for key in keys], dtype=object))
    if prod(len(w) for w in weights) > max_tuples:
        return None
    dims = rep_in.dimension(group), rep_out.dimension(group)
    if 0 in dims:
        return 0
    if not (rep_in.rational(group) and rep_out.rational(group)):
        return _float_count(rep_in, rep_out, group, _Grid(axes, float), weights)
    chi_in = _character(rep_in, group, _Grid(axes, np.int64 if dims[0] < _INT64_SAFE
                                              else object))
    chi_out = _character(rep_out, group, _Grid(axes, np.int64 if dims[1] < _INT64_SAFE
                                                else object))
    if chi_in is None or chi_out is None:
        return None
    ndim = len(axes)
    if dims[0] * dims[1] >= _INT64_SAFE:
        chi_in = np.asarray(chi_in).astype(object)
        chi_out = np.asarray(chi_out).astype(object)
    product = np.asarray(chi_in * chi_out).astype(object)
    product = product.reshape(product.shape + (1,) * (ndim - product.ndim))
    # contract one factor at a time (last axis first), so no grid of weights is built
    for w in reversed(weights):
        total = product[..., 0] * sum(w) if product.shape[-1] == 1 else product.dot(w)
        product = np.asarray(total, dtype=object)
    order = prod(sum(w) for w in weights)
    n, remainder = divmod(int(product.item()), order)
    assert remainder == 0, f"character sum not divisible by |G| for {spec}"
    return n


def _float_count(rep_in: Rep, rep_out: Rep, group: Group, grid: _Grid,
                 weights: list) -> int | None:
    """The character sum in floating point (irrational irreps: 2 cos(2 pi k t/n)).  The
    result is an integer; None if rounding leaves a doubt (characters too large)."""
    chi_in, chi_out = _character(rep_in, group, grid), _character(rep_out, group, grid)
    if chi_in is None or chi_out is None:
        return None
    chi = np.asarray(chi_in * chi_out, dtype=float)
    chi = chi.reshape(chi.shape + (1,) * (grid.ndim - chi.ndim))
    scale = float(np.abs(chi).max()) if chi.size else 0.0
    for w in reversed(weights):
        w = np.asarray(w, dtype=float)
        chi = chi[..., 0] * w.sum() if chi.shape[-1] == 1 else chi.dot(w)
    order = prod(float(np.asarray(w, dtype=float).sum()) for w in weights)
    value = float(chi) / order
    if scale > 1e12 or abs(value - round(value)) > 1e-6:
        return None
    return round(value)


# ----------------------------------------------------------------------------- entry point

def count(spec: Spec) -> int | None:
    """dim Hom_G(rep_in, rep_out) for a finite group, exactly; None if not available.

    None for continuous groups, Perm groups of more than MAX_ORDER elements, and
    products whose histograms give more than MAX_TUPLES tuples.
    """
    if not spec.group.finite:
        return None
    closed = count_closed_form(spec)
    return closed if closed is not None else count_characters(spec)


# ----------------------------------------------------------------------------- continuous

def count_continuous(spec: Spec) -> int | None:
    """dim Hom_G(rep_in, rep_out) from representation theory, for products of S(n), O(n),
    SO(n), the Lorentz groups, Sp(n), GL(n) and SL(n) on sums of tensor products of V,
    dual(V) and det; None where no formula applies (count() stays for finite groups).

    Hom of sums is the sum of Homs, and for a product group (R_1 (x) R_2)^(G_1 x G_2) =
    R_1^G_1 (x) R_2^G_2, so each pair of monomials contributes a product over factors,
    each from its family's ``hom`` (the formulas are explained in ``groups/orthogonal.py``,
    ``groups/symplectic.py``, ``groups/linear.py`` and ``groups/symmetric.py``).

    >>> from intertwine.spec import parse_spec
    >>> [count_continuous(parse_spec(f"O(3): V**{m} -> 1")) for m in range(2, 7)]
    [1, 0, 3, 0, 15]
    >>> [count_continuous(parse_spec(f"SO(3): V**{m} -> 1")) for m in range(2, 7)]
    [1, 1, 3, 6, 15]
    >>> count_continuous(parse_spec("GL(3): V**3 -> V**3")), count_continuous(
    ...     parse_spec("SO(3) x S(5): V[0]*V[1] -> V[0]*V[1]"))
    (6, 2)
    """
    return _closed(spec)


def independent_count(spec: Spec) -> tuple[int | None, str]:
    """The dimension by a formula, with the formula's name: ``(None, ...)`` where none is
    known.  One place for ``intertwine dim`` and ``intertwine verify`` to ask."""
    if spec.group.finite:
        return count(spec), "characters / Stirling numbers"
    closed = count_continuous(spec)
    if closed is None:
        integrated = count_by_integration(spec)
        if integrated is not None:
            return integrated, "characters (Weyl integration)"
    return closed, "representation theory"


# ----------------------------------------------------------------------------- integration

#: the compact groups counted by integrating characters over a maximal torus (with the
#: other component of O(n)): their factor arguments
TORUS_GROUPS = {("SO", (2,)), ("O", (2,)), ("SO", (3,)), ("O", (3,))}


class TorusAxis:
    """Elements of SO(2), O(2), SO(3) or O(3) on which a class function is integrated:
    rotations by the angles 2 pi j / m (j < m) -- SO(2): about the origin; SO(3): about
    one axis, weighted by Weyl's density 1 - cos(theta) -- and for O(n) the same again on
    the other component (O(2): reflections R(theta) s; O(3): -R), each component half.

    The mean of a trigonometric polynomial of degree below m over the m angles is its
    integral, so with m above the degree of chi_in chi_out (times the density) the
    weighted mean is exactly the Haar integral: dim Hom = <chi_in, chi_out>.  Keys of
    ``value`` (at g**power): ``fix`` (trace on V), ``sign`` (det), ``angle`` (of the
    rotation part), ``reflected`` (in the other component); what irreps read
    (``GroupFamily.irrep_character``)."""

    def __init__(self, factor: Factor, m: int):
        self.n = factor.args[0]
        components = 1 if factor.kind == "SO" else 2
        theta = 2 * np.pi * np.arange(m) / m
        self.theta = np.tile(theta, components)
        self.other = np.repeat(np.arange(components), m) == 1
        density = (1 - np.cos(self.theta)) if self.n == 3 else np.ones_like(self.theta)
        self.weights = density / components

    def value(self, key: str, power: int = 1):
        odd = power % 2 == 1
        reflected = self.other & odd
        if self.n == 2:  # (R(t) s)**2 = 1
            angle = np.where(self.other, 0.0 if not odd else self.theta, power * self.theta)
        else:  # (-R)**p = (-1)**p R**p
            angle = power * self.theta
        if key == "angle":
            return angle
        if key == "reflected":
            return reflected
        if key == "sign":
            return np.where(reflected, -1.0, 1.0)
        if key == "fix":
            if self.n == 2:
                return np.where(reflected, 0.0, 2 * np.cos(angle))
            return np.where(reflected, -1.0, 1.0) * (1 + 2 * np.cos(angle))
        return None


def _highest_weight(rep: Rep, factor: int) -> int | None:
    """A bound on the largest weight (angle multiple) in rep's character on one factor
    of a torus group; None for a node it does not know."""
    from .reps import Defining, Det, Dual, Irrep, Power, Sum, Tensor, Trivial
    from .reps.sym import Sym
    from .reps.zero import Zero

    if isinstance(rep, Defining):
        return int(rep.factor == factor)
    if isinstance(rep, Det | Trivial | Zero):
        return 0
    if isinstance(rep, Irrep):  # irr(k), irr(l), irr(l, p): the first; irr(j, k): k
        if rep.factor != factor:
            return 0
        return rep.args[1] if len(rep.args) == 2 and isinstance(rep.args[1], int) \
            else rep.args[0]
    parts = [_highest_weight(k, factor) for k in rep.children]
    if None in parts:
        return None
    if isinstance(rep, Sum):
        return max(parts, default=0)
    if isinstance(rep, Tensor):
        return sum(parts)
    if isinstance(rep, Power):
        return rep.k * parts[0]
    if isinstance(rep, Sym):
        return rep.k * parts[0]
    if isinstance(rep, Dual):
        return parts[0]
    return None


def count_by_integration(spec: Spec, max_points: int = MAX_TUPLES) -> int | None:
    """dim Hom_G(rep_in, rep_out) for products of SO(2), O(2), SO(3), O(3) and finite
    groups (irreps included) by integrating chi_in chi_out over the group (``TorusAxis``),
    in floating point; None for other groups, unknown nodes, too many points or a doubtful rounding.

    >>> from intertwine.spec import parse_spec
    >>> count_by_integration(parse_spec("SO(3): irr(2) * irr(3) -> irr(1) + irr(4) + irr(5)"))
    3
    >>> count_by_integration(parse_spec("O(3): 1o * 1o -> 0e + 1e + 2e"))
    3
    """
    group, rep_in, rep_out = spec.group, spec.rep_in, spec.rep_out
    used = sorted(rep_out.factors_used(rep_in.factors_used(set())))
    if any((group.factors[i].kind, group.factors[i].args) not in TORUS_GROUPS
           and not group.factors[i].finite for i in used):
        return None
    axes, weights, points = {}, [], 1
    for i in used:
        if group.factors[i].finite:  # element by element (``ElementAxis``)
            axis = ElementAxis.of(group.factors[i])
            if axis is None:
                return None
            points *= len(axis.weights)
            axes[i] = axis
            weights.append(np.asarray(axis.weights, float))
            continue
        top = [_highest_weight(r, i) for r in (rep_in, rep_out)]
        if None in top:
            return None
        m = top[0] + top[1] + 3  # above the degree of chi_in chi_out (1 - cos)
        points *= m * (1 if group.factors[i].kind == "SO" else 2)
        if points > max_points:
            return None
        axes[i] = TorusAxis(group.factors[i], m)
        weights.append(axes[i].weights)
    if not used:
        return rep_in.dimension(group) * rep_out.dimension(group)
    return _float_count(rep_in, rep_out, group, _Grid(axes, float), weights)
