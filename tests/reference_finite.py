"""An independent, dense evaluation of the 0.2 representations of finite groups.

Shares no code with intertwine (not even its spec parser): a representation is a small
tuple tree that this module also prints as a spec string, and each group element is
built straight from the contract's definitions (C(n)'s shifts, D(n)'s maps
i -> e i + t, every signed permutation matrix of determinant 1 for Octa) rather than
from generators.  The matrices of reg, irr and Grid are written out with Python loops
and floating point rotations, differently from the library's integer tables.

    tree := ("triv", k) | ("V", i) | ("det", i) | ("reg", i) | ("irr", label, i)
          | ("grid", k, i) | ("dual", t) | ("sum", t, t) | ("tensor", t, t)
          | ("power", t, k) | ("sym", t, k) | ("alt", t, k)

dim Hom = (1/|G|) sum_g tr rho_in(g) tr rho_out(g) (real characters).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

# ----------------------------------------------------------------------------- elements


class Element:
    """One element of one factor; subclasses give V, reg's key and the plane/space move."""

    def V(self) -> np.ndarray:  # noqa: N802 -- named after the spec's V
        raise NotImplementedError


class Dihedral(Element):
    """i -> e*i + t on n vertices (C(n): e = 1 always)."""

    def __init__(self, n, t, e, cyclic):
        self.n, self.t, self.e, self.cyclic = n, t, e, cyclic

    def V(self):  # noqa: N802
        m = np.zeros((self.n, self.n))
        for j in range(self.n):
            m[(self.e * j + self.t) % self.n, j] = 1
        return m

    def key(self):
        line = tuple((self.e * j + self.t) % self.n for j in range(self.n))
        return line if self.cyclic else (line, self.e == -1)

    def times(self, other):
        # e1 (e2 i + t2) + t1
        return Dihedral(self.n, (self.e * other.t + self.t) % self.n, self.e * other.e,
                        self.cyclic)

    def irr(self, label):
        n = self.n
        k = label[-1]
        flip = self.e == -1
        if 0 < 2 * k < n:
            a = 2 * math.pi * k * self.t / n
            rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            return rot @ np.diag([1.0, -1.0]) if flip else rot
        value = (-1.0) ** self.t if (2 * k == n and k) else 1.0
        if flip and label[0] == 1:
            value = -value
        return np.array([[value]])

    def move(self):
        """The element as a 2x2 matrix of the plane (n in 1, 2, 4)."""
        a = 2 * math.pi * self.t / self.n
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        m = rot @ np.diag([1.0, -1.0]) if self.e == -1 else rot
        return np.rint(m)


class Permutation(Element):
    def __init__(self, line):
        self.line = tuple(line)

    def V(self):  # noqa: N802
        n = len(self.line)
        m = np.zeros((n, n))
        for j, i in enumerate(self.line):
            m[i, j] = 1
        return m

    def key(self):
        return self.line

    def times(self, other):
        return Permutation(self.line[i] for i in other.line)


class Cube(Element):
    """A signed permutation matrix of R^3."""

    def __init__(self, matrix):
        self.matrix = np.asarray(matrix, dtype=float)

    def V(self):  # noqa: N802
        return self.matrix

    def key(self):
        pi = tuple(int(np.flatnonzero(self.matrix[:, j])[0]) for j in range(3))
        signs = tuple(int(self.matrix[pi[j], j] < 0) for j in range(3))
        return pi, signs

    def times(self, other):
        return Cube(self.matrix @ other.matrix)

    def move(self):
        return self.matrix


def elements(name: str, n: int | None = None) -> list[Element]:
    """Every element of a group named as in the contract, in no particular order."""
    if name == "C":
        return [Dihedral(n, t, 1, True) for t in range(n)]
    if name == "D":
        return [Dihedral(n, t, e, False) for t in range(n) for e in (1, -1)]
    if name in ("S", "A"):
        out = []
        for line in itertools.permutations(range(n)):
            inversions = sum(line[i] > line[j] for i in range(n) for j in range(i + 1, n))
            if name == "S" or inversions % 2 == 0:
                out.append(Permutation(line))
        return out
    if name in ("Octa", "FullOcta"):
        out = []
        for pi in itertools.permutations(range(3)):
            for signs in itertools.product((1, -1), repeat=3):
                m = np.zeros((3, 3))
                for j in range(3):
                    m[pi[j], j] = signs[j]
                if name == "FullOcta" or round(np.linalg.det(m)) == 1:
                    out.append(Cube(m))
        return out
    raise ValueError(name)


class Factor:
    """A finite group: name, size, its elements in the contract's reg order."""

    def __init__(self, name: str, n: int | None = None):
        self.name, self.n = name, n
        self.elements = sorted(elements(name, n), key=lambda g: g.key())
        self.position = {g.key(): i for i, g in enumerate(self.elements)}

    def __str__(self):
        return self.name if self.n is None else f"{self.name}({self.n})"

    @property
    def order(self):
        return len(self.elements)

    def reg(self, g: Element) -> np.ndarray:
        m = np.zeros((self.order, self.order))
        for h in self.elements:
            m[self.position[g.times(h).key()], self.position[h.key()]] = 1
        return m

    def irr_labels(self):
        n = self.n
        if self.name == "C":
            return [(k,) for k in range(n // 2 + 1)]
        if self.name == "D":
            labels = [(0, 0), (1, 0)] + [(1, k) for k in range(1, n) if 2 * k < n]
            return labels + ([(0, n // 2), (1, n // 2)] if n % 2 == 0 else [])
        return []

    def has_grid(self):
        return (self.name in ("C", "D") and self.n in (1, 2, 4)) or self.name in (
            "Octa", "FullOcta")

    def grid(self, g: Element, k: int) -> np.ndarray:
        """[g f](p) = f(g^-1 p): the delta at p moves to M p."""
        m = g.move()
        if len(m) == 2:
            points = [(c - (k - 1) / 2, (k - 1) / 2 - r) for r in range(k) for c in range(k)]
        else:
            points = [tuple(np.array(v) - (k - 1) / 2) for v in itertools.product(range(k),
                                                                                  repeat=3)]
        index = {tuple(np.round(2 * np.array(p)).astype(int)): i for i, p in enumerate(points)}
        rho = np.zeros((len(points), len(points)))
        for i, p in enumerate(points):
            q = tuple(np.round(2 * (m @ np.array(p))).astype(int))
            rho[index[q], i] = 1
        return rho


# ----------------------------------------------------------------------------- trees

def text(tree, product: bool) -> str:
    """The spec string of a tree (``product``: write factor indices)."""
    kind = tree[0]

    def idx(i):
        return f"[{i}]" if product else ""

    if kind == "triv":
        return str(tree[1])
    if kind in ("V", "det", "reg"):
        return f"{kind}{idx(tree[1])}"
    if kind == "irr":
        return f"irr({', '.join(map(str, tree[1]))}){idx(tree[2])}"
    if kind == "grid":
        return f"Grid({tree[1]}){idx(tree[2])}"
    if kind == "dual":
        return f"dual({text(tree[1], product)})"
    if kind == "sum":
        return f"{text(tree[1], product)} + {text(tree[2], product)}"
    if kind == "tensor":
        return f"({text(tree[1], product)})*({text(tree[2], product)})"
    if kind == "power":
        return f"({text(tree[1], product)})**{tree[2]}"
    if kind in ("sym", "alt"):
        return f"{kind}({text(tree[1], product)}, {tree[2]})"
    raise ValueError(kind)


def _symmetric_maps(d: int, k: int, antisymmetric: bool):
    """P (read the sorted tuples) and E (copy a value to every permutation of its
    tuple, with the sign of the permutation for alt), from the contract's words."""
    if antisymmetric:
        tuples = list(itertools.combinations(range(d), k))
    else:
        tuples = list(itertools.combinations_with_replacement(range(d), k))
    full = d ** k
    read = np.zeros((len(tuples), full))
    copy = np.zeros((full, len(tuples)))
    for a, tup in enumerate(tuples):
        read[a, np.ravel_multi_index(tup, (d,) * k)] = 1
        for order in set(itertools.permutations(range(k))):
            permuted = tuple(tup[o] for o in order)
            sign = 1
            if antisymmetric:
                sign = round(np.linalg.det(np.eye(k)[list(order)]))
            copy[np.ravel_multi_index(permuted, (d,) * k), a] = sign
    return read, copy


def rho(tree, factors: list[Factor], element: list[Element]) -> np.ndarray:
    kind = tree[0]
    if kind == "triv":
        return np.eye(tree[1])
    if kind == "V":
        return element[tree[1]].V()
    if kind == "det":
        return np.array([[np.linalg.det(element[tree[1]].V())]])
    if kind == "reg":
        return factors[tree[1]].reg(element[tree[1]])
    if kind == "irr":
        return element[tree[2]].irr(tree[1])
    if kind == "grid":
        return factors[tree[2]].grid(element[tree[2]], tree[1])
    if kind == "dual":
        return np.linalg.inv(rho(tree[1], factors, element)).T
    if kind == "sum":
        a, b = rho(tree[1], factors, element), rho(tree[2], factors, element)
        out = np.zeros((len(a) + len(b),) * 2)
        out[:len(a), :len(a)] = a
        out[len(a):, len(a):] = b
        return out
    if kind == "tensor":
        return np.kron(rho(tree[1], factors, element), rho(tree[2], factors, element))
    if kind == "power":
        out = np.eye(1)
        for _ in range(tree[2]):
            out = np.kron(out, rho(tree[1], factors, element))
        return out
    if kind in ("sym", "alt"):
        base = rho(tree[1], factors, element)
        read, copy = _symmetric_maps(len(base), tree[2], kind == "alt")
        full = np.eye(1)
        for _ in range(tree[2]):
            full = np.kron(full, base)
        return read @ full @ copy
    raise ValueError(kind)


def all_elements(factors: list[Factor]):
    return itertools.product(*(f.elements for f in factors))


def hom_dimension(factors: list[Factor], tree_in, tree_out) -> int:
    total = 0.0
    count = 0
    for element in all_elements(factors):
        total += (np.trace(rho(tree_in, factors, element))
                  * np.trace(rho(tree_out, factors, element)))
        count += 1
    value = total / count
    assert abs(value - round(value)) < 1e-6, value
    return round(value)
