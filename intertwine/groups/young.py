"""Irreducible representations of S(n): Young's orthogonal form, seminormal form, characters.

Pure mathematics, no spec and no solver (see docs/irreps_sn.rst for the coordinates).

**Coordinates.**  The irreducible representation of S(n) labelled by a partition
lambda of n has one coordinate per standard Young tableau T of shape lambda (letters
1..n increasing along rows and down columns).  A tableau is held by its *row word*
(row of letter 1, ..., row of letter n; rows numbered from 0), and the tableaux are
ordered lexicographically by it.  A row word is a lattice word: every prefix holds at
least as many j as j+1, so the tableaux are built letter by letter, in order.

**Young's orthogonal form.**  The transposition of the points i-1 and i (letters i and
i+1, 1 <= i <= n-1) acts by

    e_T  ->  (1/r) e_T + sqrt(1 - 1/r**2) e_T',    r = c_T(i+1) - c_T(i),

with the content c(letter) = column - row and T' the tableau with i and i+1 exchanged
(standard whenever |r| >= 2; r is never 0 and for r = +-1 the second term is absent).
On the pair {T, T'} the matrix is [[1/r, s], [s, -1/r]], s = sqrt(1 - 1/r**2):
symmetric and orthogonal, so the whole representation is orthogonal.

**Seminormal form (rational).**  With D = diag(sqrt(q_T)) and q_T the product over the
pairs of letters a < b with |c_b - c_a| >= 2 of (c_b - c_a - 1)/(c_b - c_a), exchanging
i and i+1 changes only the pair's own factor, so q_T'/q_T = (r+1)/(r-1) and

    S = D O D**-1  has  S[T, T] = 1/r,  S[T', T] = (r+1)/r  (rational).

Any rational multiple of sqrt(q_T) serves as well; :meth:`Young.scaling` keeps only the
square-free part s_T of q_T (normalised to s = 1 on the first tableau), so D =
diag(sqrt(s_T)) with small integers s_T and O = D**-1 S D.

**Characters** by the Murnaghan-Nakayama rule on beta-sets (:func:`character`).

>>> partitions(4)
[(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
>>> y = young((2, 1))
>>> y.words.tolist()          # 1 2 / 3  comes before  1 3 / 2
[[0, 0, 1], [0, 1, 0]]
>>> y.matrix([1, 0, 2]).round(6).tolist()         # (0 1): letters 1, 2
[[1.0, 0.0], [0.0, -1.0]]
>>> y.matrix([0, 2, 1]).round(6).tolist()         # (1 2): letters 2, 3, r = -2 and 2
[[-0.5, 0.866025], [0.866025, 0.5]]
>>> y.generator(2).squares()                      # exactly -sqrt(1/4), sqrt(3/4), ...
[(0, 0, -1, 4), (0, 1, 3, 4), (1, 0, 3, 4), (1, 1, 1, 4)]
>>> character((2, 1), (3,)), character((3, 1, 1), (2, 2, 1)), dimension((4, 3, 2, 1))
(-1, -2, 768)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import factorial, gcd, isqrt, prod

import numpy as np

__all__ = ["partitions", "check_shape", "dimension", "young", "Young", "SqrtEntries",
           "RationalEntries", "character", "character_table", "cycle_type", "cycle_counts",
           "characters_from_traces", "stable_characters",
           "MAX_TABLEAUX"]

#: tableaux are enumerated up to this many (n = 14 has at most 450,450 of one shape)
MAX_TABLEAUX = 2_000_000


def partitions(n: int) -> list[tuple[int, ...]]:
    """Every partition of n, in decreasing lexicographic order ((n,) first).

    >>> partitions(3)
    [(3,), (2, 1), (1, 1, 1)]
    """
    out: list[tuple[int, ...]] = []

    def grow(rest: int, largest: int, prefix: tuple[int, ...]) -> None:
        if rest == 0:
            out.append(prefix)
            return
        for part in range(min(rest, largest), 0, -1):
            grow(rest - part, part, prefix + (part,))

    grow(n, n, ())
    return out


def check_shape(shape, n: int | None = None) -> str | None:
    """Why ``shape`` is not a partition (of n, when given); None when it is one.

    >>> check_shape((2, 1), 3), check_shape((1, 2)), check_shape((2, 1), 4)
    (None, 'the parts must not increase', 'its parts add up to 3, not 4')
    """
    shape = tuple(shape)
    if not shape:
        return "a partition needs at least one part"
    if any(not isinstance(p, (int, np.integer)) or p < 1 for p in shape):
        return "the parts must be positive integers"
    if any(a < b for a, b in zip(shape, shape[1:])):
        return "the parts must not increase"
    if n is not None and sum(shape) != n:
        return f"its parts add up to {sum(shape)}, not {n}"
    return None


def _require(shape) -> tuple[int, ...]:
    shape = tuple(shape)
    why = check_shape(shape)
    if why:
        raise ValueError(f"{shape} is not a partition: {why}")
    return tuple(int(p) for p in shape)


def conjugate(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The transposed diagram (columns' lengths).

    >>> conjugate((3, 1))
    (2, 1, 1)
    """
    return tuple(sum(1 for p in shape if p > j) for j in range(shape[0])) if shape else ()


def dimension(shape) -> int:
    """Number of standard tableaux, nothing enumerated: Frobenius' form of the hook length
    formula, n! prod_{i<j} (l_i - l_j) / prod_i l_i! with l_i = lambda_i + r - 1 - i,
    with n!/l_1! taken as one product, so irr(n - 1, 1) of S(10**6) costs a few
    multiplications (l_1 is the first hook length, at most n).

    >>> [dimension(s) for s in partitions(4)], dimension((10**6 - 1, 1))
    ([1, 3, 2, 3, 1], 999999)
    """
    shape = _require(shape)
    r, n = len(shape), sum(shape)
    ell = [shape[i] + r - 1 - i for i in range(r)]
    num = prod(range(ell[0] + 1, n + 1)) * prod(
        ell[i] - ell[j] for i in range(r) for j in range(i + 1, r))
    return num // prod(factorial(x) for x in ell[1:])


@dataclass(frozen=True)
class SqrtEntries:
    """A sparse matrix whose values are sign * sqrt(numerator / denominator), coo arrays
    (rows, then columns, increasing): ``square_numerator`` holds sign * numerator."""

    row: np.ndarray
    col: np.ndarray
    square_numerator: np.ndarray
    square_denominator: np.ndarray
    shape: tuple[int, int]

    @property
    def value(self) -> np.ndarray:
        """float64 values (within an ulp)."""
        num = self.square_numerator  # int64, or Python ints (then divided exactly rounded)
        ratio = np.asarray(np.abs(num) / self.square_denominator, dtype=np.float64)
        return np.where(np.asarray(num < 0, bool), -1.0, 1.0) * np.sqrt(ratio)

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape)
        out[self.row, self.col] = self.value
        return out

    def squares(self) -> list[tuple[int, int, int, int]]:
        """(row, col, sign * a, b) for every value sign * sqrt(a/b)."""
        return list(zip(self.row.tolist(), self.col.tolist(),
                        self.square_numerator.tolist(), self.square_denominator.tolist()))

    def fractions(self) -> dict[tuple[int, int], tuple[int, Fraction]]:
        """{(row, col): (sign, square)}: the value is sign * sqrt(square).

        >>> young((2, 1)).generator(2).fractions()[(0, 1)]
        (1, Fraction(3, 4))
        """
        return {(r, c): (1 if a > 0 else -1, Fraction(abs(int(a)), int(b)))
                for r, c, a, b in self.squares()}


@dataclass(frozen=True)
class RationalEntries:
    """A sparse matrix with values numerator / denominator (coo arrays, rows first)."""

    row: np.ndarray
    col: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    shape: tuple[int, int]

    def fractions(self) -> dict[tuple[int, int], Fraction]:
        return {(r, c): Fraction(a, b) for r, c, a, b in zip(
            self.row.tolist(), self.col.tolist(), self.numerator.tolist(),
            self.denominator.tolist())}

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape)
        out[self.row, self.col] = self.numerator / self.denominator
        return out


def _standard_words(shape: tuple[int, ...]) -> np.ndarray:
    """Row words of the standard tableaux, lexicographic: letter by letter, each partial
    word extended by every row that may take the next letter, children in row order."""
    rows = len(shape)
    words = np.zeros((1, 0), np.uint8)
    filled = np.zeros((1, rows), np.int64)  # letters placed in each row so far
    limit = np.array(shape)
    for _ in range(sum(shape)):
        room = filled < limit
        room[:, 1:] &= filled[:, :-1] > filled[:, 1:]  # the row above must be longer
        parent, row = np.nonzero(room)  # row-major: by parent, then by row (lexicographic)
        words = np.concatenate([words[parent], row[:, None].astype(np.uint8)], axis=1)
        filled = filled[parent]
        filled[np.arange(len(parent)), row] += 1
    return words


def _keys(words: np.ndarray) -> np.ndarray:
    """One byte string per word, ordered as the words are (bytes 1.., no trailing NUL)."""
    n = words.shape[1]
    return np.ascontiguousarray(words + 1).view(f"S{n}").ravel()


def _primes_up_to(m: int) -> list[int]:
    return [p for p in range(2, m + 1) if all(p % q for q in range(2, isqrt(p) + 1))]


class Young:
    """The tableaux of one shape and Young's orthogonal form on them (see the module's
    docstring).  Build it with :func:`young`, which keeps one per shape."""

    def __init__(self, shape) -> None:
        self.shape = _require(shape)
        self.n = sum(self.shape)
        self.dim = dimension(self.shape)
        if self.dim > MAX_TABLEAUX:
            raise ValueError(f"irr{self.shape} has {self.dim} coordinates: more than the "
                             f"{MAX_TABLEAUX} tableaux enumerated here")
        #: (dim, n) uint8: row of each letter, one row word per tableau, in order
        self.words = _standard_words(self.shape)
        self.contents = self._contents()
        self._keys = _keys(self.words)
        self._scaling: np.ndarray | None = None

    def _contents(self) -> np.ndarray:
        """(dim, n) int64: column - row of each letter."""
        f, n = self.words.shape
        filled = np.zeros((f, len(self.shape)), np.int64)
        rows = np.arange(f)
        out = np.empty((f, n), np.int64)
        for k in range(n):
            row = self.words[:, k]
            out[:, k] = filled[rows, row] - row
            filled[rows, row] += 1
        return out

    def index(self, words: np.ndarray) -> np.ndarray:
        """Position of each row word (an (m, n) array of standard words) in the order."""
        return np.searchsorted(self._keys, _keys(np.asarray(words, np.uint8)))

    def axial(self, i: int) -> np.ndarray:
        """r = c(i+1) - c(i) on every tableau (never 0) for the transposition (i-1 i)."""
        self._check_generator(i)
        return self.contents[:, i] - self.contents[:, i - 1]

    def partner(self, i: int) -> np.ndarray:
        """The index of T' (letters i, i+1 exchanged) where |r| >= 2, else T's own."""
        r = self.axial(i)
        out = np.arange(self.dim)
        moved = np.nonzero(np.abs(r) >= 2)[0]
        swapped = self.words[moved].copy()
        swapped[:, [i - 1, i]] = swapped[:, [i, i - 1]]
        out[moved] = self.index(swapped)
        return out

    def _check_generator(self, i: int) -> None:
        if not 1 <= i <= self.n - 1:
            raise ValueError(f"the adjacent transpositions of S({self.n}) are (i-1 i) for "
                             f"1 <= i <= {self.n - 1}, not i = {i}")

    def generator(self, i: int) -> SqrtEntries:
        """The orthogonal form's matrix of (i-1 i), values exactly +-sqrt(a/b):
        1/r on the diagonal, sqrt((r**2 - 1)/r**2) at (T', T)."""
        r = self.axial(i)
        partner = self.partner(i)
        diagonal = np.arange(self.dim)
        moved = partner != diagonal
        row = np.concatenate([diagonal, partner[moved]])
        col = np.concatenate([diagonal, diagonal[moved]])
        square = r * r
        num = np.concatenate([np.sign(r), square[moved] - 1])
        den = np.concatenate([square, square[moved]])
        order = np.lexsort((col, row))
        return SqrtEntries(row[order], col[order], num[order], den[order],
                           (self.dim, self.dim))

    def generators(self) -> list[SqrtEntries]:
        """The matrices of (0 1), (1 2), ..., (n-2 n-1)."""
        return [self.generator(i) for i in range(1, self.n)]

    def scaling(self) -> np.ndarray:
        """Square-free integers s_T (s = 1 on the first tableau) with O = D**-1 S D,
        D = diag(sqrt(s_T)) and S rational (:meth:`seminormal_generator`).

        The parity of each prime's exponent in q_T (module docstring) is a bit; pairs
        are visited one (a, b) at a time so memory stays at a few arrays of dim."""
        if self._scaling is not None:
            return self._scaling
        n = self.n
        primes = _primes_up_to(max(n, 2))
        span = np.arange(-n, n + 1)  # content differences lie within -(n-1)..n-1

        def parity(m: int) -> int:
            bits, m = 0, abs(m)
            for bit, p in enumerate(primes):
                while m and m % p == 0:
                    m //= p
                    bits ^= 1 << bit
            return bits

        table = np.array([0 if abs(d) < 2 else parity(d - 1) ^ parity(d) for d in span],
                         np.int64)
        bits = np.zeros(self.dim, np.int64)
        for b in range(n):
            for a in range(b):
                bits ^= table[self.contents[:, b] - self.contents[:, a] + n]
        bits ^= bits[0]
        out = np.ones(self.dim, np.int64)
        for bit, p in enumerate(primes):
            out[(bits >> bit) & 1 == 1] *= p
        out.flags.writeable = False  # kept: every seminormal generator reads it
        self._scaling = out
        return out

    def seminormal_generator(self, i: int) -> RationalEntries:
        """S = D O D**-1 for (i-1 i), D = diag(sqrt(s)) of :meth:`scaling`: rational."""
        ortho = self.generator(i)
        s = self.scaling()
        num = ortho.square_numerator * s[ortho.row]
        den = ortho.square_denominator * s[ortho.col]
        g = np.gcd(num, den)
        num, den = num // g, den // g
        root_num = np.array([isqrt(abs(int(x))) for x in num], np.int64)
        root_den = np.array([isqrt(int(x)) for x in den], np.int64)
        if not (np.array_equal(root_num**2, np.abs(num))
                and np.array_equal(root_den**2, den)):
            raise AssertionError(f"irr{self.shape}: the seminormal scaling is not rational")
        return RationalEntries(ortho.row, ortho.col, np.sign(num) * root_num, root_den,
                               ortho.shape)

    def reduced_word(self, permutation) -> list[int]:
        """[i_1, ..., i_k] with g = s_{i_k} ... s_{i_1}, s_i = (i-1 i), k = inversions of g:
        peel a right descent g = g' (j j+1) where g(j) > g(j+1) until g' is the identity."""
        g = [int(x) for x in permutation]
        if sorted(g) != list(range(self.n)):
            raise ValueError(f"{list(permutation)} is not a permutation of 0..{self.n - 1}")
        peeled = []
        while True:
            j = next((j for j in range(self.n - 1) if g[j] > g[j + 1]), None)
            if j is None:
                return peeled
            g[j], g[j + 1] = g[j + 1], g[j]
            peeled.append(j + 1)

    def matrix(self, permutation) -> np.ndarray:
        """Dense float rho(g) for g in one-line notation (g(0), ..., g(n-1))."""
        return self.sparse_matrix(permutation).toarray()

    def sparse_matrix(self, permutation):
        """rho(g) as a scipy csr matrix: rho(s_{i_k}) ... rho(s_{i_1}) over
        :meth:`reduced_word`, sparse products (rho of the n-cycle of irr(4, 3, 2, 1) has
        a tenth of its entries non-zero)."""
        import scipy.sparse as sp

        out = sp.identity(self.dim, format="csr")
        for i in self.reduced_word(permutation):
            g = self.generator(i)
            out = (sp.csr_matrix((g.value, (g.row, g.col)), shape=g.shape) @ out).tocsr()
        return out

    def seminormal_matrix(self, permutation) -> RationalEntries:
        """rho(g) exactly in the seminormal (rational) coordinates, D rho(g) D**-1: an
        integer sparse matrix times one denominator along the reduced word, the common
        factor divided out at every step; int64 while no product can pass 2**62 (up to
        n = 10 the entries take 24 bits), Python ints (dense) beyond."""
        import scipy.sparse as sp

        block = sp.identity(self.dim, dtype=np.int64, format="csr")
        denominator = 1
        word = self.reduced_word(permutation)
        for i in word:
            entries = self.seminormal_generator(i)
            common = int(np.lcm.reduce(entries.denominator))
            scaled = entries.numerator * (common // entries.denominator)
            step = sp.csr_matrix((scaled, (entries.row, entries.col)), shape=entries.shape)
            widest = int(abs(step).sum(axis=1).max())  # 2 entries a row at most
            if block.nnz and int(abs(block.data).max()) >= 2**62 // max(widest, 1):
                return self._seminormal_python(word)
            block = (step @ block).tocsr()
            block.eliminate_zeros()
            denominator *= common
            g = gcd(int(np.gcd.reduce(block.data)), denominator) if block.nnz else 1
            if g > 1:
                block.data //= g
                denominator //= g
        coo = block.tocoo()
        order = np.lexsort((coo.col, coo.row))
        row, col, num = coo.row[order].astype(np.int64), coo.col[order].astype(np.int64), \
            coo.data[order]
        if denominator >= 2**62:
            num = num.astype(object)
        g = np.gcd(num, denominator)
        return RationalEntries(row, col, num // g, denominator // g, (self.dim, self.dim))

    def _seminormal_python(self, word: list[int]) -> RationalEntries:
        """The same as :meth:`seminormal_matrix` in dense Python ints (no overflow)."""
        block = np.zeros((self.dim, self.dim), object)
        block[np.arange(self.dim), np.arange(self.dim)] = 1
        denominator = 1
        for i in word:
            entries = self.seminormal_generator(i)
            common = int(np.lcm.reduce(entries.denominator))
            scaled = entries.numerator * (common // entries.denominator)
            diagonal = np.zeros(self.dim, object)
            off = np.zeros(self.dim, object)
            on = entries.row == entries.col
            diagonal[entries.row[on]] = [int(x) for x in scaled[on]]
            off[entries.row[~on]] = [int(x) for x in scaled[~on]]
            block = diagonal[:, None] * block + off[:, None] * block[self.partner(i)]
            denominator *= common
        row, col = np.nonzero(block)
        num = block[row, col]
        g = np.gcd(num, denominator) if len(num) else num
        return RationalEntries(row, col, num // g, denominator // g, (self.dim, self.dim))

    def exact_matrix(self, permutation) -> SqrtEntries:
        """rho(g) exactly in Young's orthogonal form, D**-1 S D with D = diag(sqrt(s)):
        each value S[a, b] sqrt(s_b / s_a), given by its sign and square (Python ints
        where int64 could overflow)."""
        semi = self.seminormal_matrix(permutation)
        s = self.scaling().astype(object)
        num = semi.numerator * semi.numerator * s[semi.col]
        den = semi.denominator * semi.denominator * s[semi.row]
        g = np.gcd(num, den) if len(num) else num
        signs = np.array([1 if x > 0 else -1 for x in semi.numerator], object)
        return SqrtEntries(semi.row, semi.col, signs * (num // g), den // g,
                           (self.dim, self.dim))


@lru_cache(maxsize=64)
def young(shape) -> Young:
    """The :class:`Young` data of a shape, kept (tuples only)."""
    return Young(tuple(shape))


# ---- characters -----------------------------------------------------------------------

def cycle_type(permutation) -> tuple[int, ...]:
    """Cycle lengths of a permutation in one-line notation, decreasing.

    >>> cycle_type([1, 2, 0, 4, 3, 5])
    (3, 2, 1)
    """
    seen = [False] * len(permutation)
    lengths = []
    for start in range(len(permutation)):
        length, at = 0, start
        while not seen[at]:
            seen[at] = True
            at = int(permutation[at])
            length += 1
        if length:
            lengths.append(length)
    return tuple(sorted(lengths, reverse=True))


@lru_cache(maxsize=1 << 20)  # (shape, cycle type) pairs met on the way down
def _mn(shape: tuple[int, ...], cycles: tuple[int, ...]) -> int:
    """Murnaghan-Nakayama on beta-sets: removing a rim hook of length k moves one bead b
    to the free position b - k; its height is the number of beads strictly between."""
    if not cycles:
        return 1
    k, rest = cycles[0], cycles[1:]
    r = len(shape)
    beta = [shape[i] + r - 1 - i for i in range(r)]  # decreasing
    beads = set(beta)
    total = 0
    for b in beta:
        if b - k < 0 or (b - k) in beads:
            continue
        height = sum(1 for x in beta if b - k < x < b)
        moved = sorted((x if x != b else b - k for x in beta), reverse=True)
        smaller = tuple(p for p in (moved[i] - (r - 1 - i) for i in range(r)) if p)
        total += (-1) ** height * _mn(smaller, rest)
    return total


def character(shape, cycles) -> int:
    """chi^shape at an element of cycle type ``cycles`` (any order; 1-cycles may be
    left out), by the Murnaghan-Nakayama rule.

    >>> [character((2, 1), c) for c in [(1, 1, 1), (2, 1), (3,)]]
    [2, 0, -1]
    """
    shape = _require(shape)
    cycles = tuple(sorted((int(c) for c in cycles if c > 0), reverse=True))
    n = sum(shape)
    if sum(cycles) > n:
        raise ValueError(f"cycle type {cycles} has more than {n} points")
    cycles += (1,) * (n - sum(cycles))
    return _mn(shape, cycles)


def cycle_counts(traces) -> np.ndarray:
    """Cycle counts from traces on V: ``traces[j - 1]`` holds fix(g**j) for j = 1..n
    (arrays of one length); row l - 1 of the answer holds the number of l-cycles.
    fix(g**j) = sum over l dividing j of l c_l, solved for l = 1, 2, ... in turn.

    >>> cycle_counts([[0, 1], [0, 3], [3, 1]]).tolist()   # (0 1 2) and (0 1)(2)
    [[0, 1], [0, 1], [1, 0]]
    """
    traces = np.asarray(traces, np.int64)
    counts = np.zeros_like(traces)
    for j in range(1, len(traces) + 1):
        rest = traces[j - 1] - sum(d * counts[d - 1] for d in range(1, j) if j % d == 0)
        counts[j - 1] = rest // j
    return counts


def characters_from_traces(shape, traces) -> np.ndarray:
    """chi^shape at elements given by their traces fix(g**j), j = 1..n (see
    :func:`cycle_counts`): one Murnaghan-Nakayama value per distinct cycle type.
    int64, or Python ints beyond int64.

    >>> characters_from_traces((2, 1), [[3, 1, 0], [3, 3, 0], [3, 1, 3]]).tolist()
    [2, 0, -1]
    """
    shape = _require(shape)
    counts = cycle_counts(traces)
    if counts.shape[1] == 0:
        return np.zeros(0, np.int64)
    lengths = np.arange(1, len(counts) + 1)
    distinct, where = np.unique(counts.T, axis=0, return_inverse=True)
    values = [_mn(shape, tuple(int(l) for l in np.repeat(lengths, c)[::-1]))
              for c in distinct]
    small = all(abs(v) < 2**62 for v in values)
    return np.array(values, np.int64 if small else object)[np.ravel(where)]


def stable_characters(shape, traces) -> np.ndarray:
    """chi^shape, shape = (n - m, mu) with |mu| = m, at elements of *any* symmetric
    group given by the traces fix(g**j) of j = 1..m (``traces[j - 1]``).

    The character of (N - m, mu) is one polynomial in the numbers c_1, ..., c_m of short
    cycles for every N >= m + mu_1 (its character polynomial, Macdonald I.7 ex. 14), of
    weighted degree m (c_j weighs j).  So it is evaluated, for given c, as the
    Murnaghan-Nakayama value of (N - m, mu) at c_j j-cycles and one long cycle of the
    remaining N - sum j c_j > m points, with N large enough: no cycle type of S(n) and
    no n at all, which lets counting replace S(n) by a small S(N) (n = 10**6 is instant).

    >>> stable_characters((10**6 - 1, 1), [[3, 0, 1]]).tolist()   # fixed points - 1
    [2, -1, 0]
    """
    shape = _require(shape)
    mu = shape[1:]
    m = sum(mu)
    traces = np.asarray(traces, np.int64).reshape(max(m, 1), -1)[:m]
    if m == 0:
        return np.ones(traces.shape[1] if traces.ndim == 2 else 0, np.int64)
    counts = cycle_counts(traces)
    if counts.shape[1] == 0:
        return np.zeros(0, np.int64)
    distinct, where = np.unique(counts.T, axis=0, return_inverse=True)
    values = []
    for c in distinct.tolist():
        short = sum((j + 1) * cj for j, cj in enumerate(c))
        big = max(2 * m, short + m + 1)
        cycles = [big - short] + [j + 1 for j in reversed(range(m)) for _ in range(c[j])]
        values.append(_mn((big - m,) + mu, tuple(cycles)))
    small = all(abs(v) < 2**62 for v in values)
    return np.array(values, np.int64 if small else object)[np.ravel(where)]


def character_table(n: int) -> tuple[list, list, np.ndarray]:
    """(shapes, cycle types, table): table[a, b] = chi^{shapes[a]}(cycle types[b]), both
    lists the partitions of n in decreasing lexicographic order.

    >>> character_table(3)[2].tolist()
    [[1, 1, 1], [-1, 0, 2], [1, -1, 1]]
    """
    parts = partitions(n)
    table = np.array([[_mn(lam, mu) for mu in parts] for lam in parts], dtype=object)
    fits = all(abs(x) < 2**62 for x in table.ravel())
    return parts, parts, table.astype(np.int64) if fits else table
