"""Set-partition labels of the orbit basis of products of S(n) (docs/format.rst).

For a product of symmetric groups acting on sums of tensor monomials, W splits into
blocks Hom(R_b, Q_a), one per pair of summands, and the orbits of a block are the
equality patterns of the indices of its slots (the output's slots, then the input's):
set partitions in which slots of different factors never share a block and factor f
has at most n_f blocks.  The orbit basis is in RREF order, so B_m's leading position is
the smallest index tuple that realises its partition: the restricted-growth string of
the partition itself, read per factor (``orbit.symmetric.valid_strings``).

Labels are global over the slots (``(factor, index)`` pairs numbered by first
appearance), so that a reader needs no knowledge of the factors to compare two slots.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..coo import Coo, Partitions, pattern_dtype
from ..spec import Spec

__all__ = ["Layout", "LabelledBasis", "compute_partitions", "expand_pattern", "global_labels",
           "factor_digits", "partition_checks", "blocks_per_factor", "label_codes",
           "position_digits"]

#: positions whose equality pattern is computed at once (memory: ~ s*s bytes each)
_POSITIONS = 1 << 17
#: verify compares every row of a pattern up to this many entries, else a sample of rows
_FULL_CHECK = 1 << 17
#: largest number of slots whose label rows are coded into one int64 (base s + 1)
_MAX_SLOTS = 15
#: beyond this many slots, equality patterns are found by a sort per row
_WIDE = 64


#: specs whose summands have more tensor slots than this get no labels: with n >= 2 they
#: have more than 2**(MAX_SLOTS - 1) elements, so only trivial groups (S(1)) reach here,
#: and building their labels would cost O(slots^2)
MAX_SLOTS = 1000


def _max_slots(rep, limit: int = MAX_SLOTS) -> int:
    """The most tensor slots of any summand of ``rep`` (anything past ``limit`` is
    reported as limit + 1 as soon as it is seen), without building the slot tuples."""
    from ..reps.power import Power

    if isinstance(rep, Power):  # k copies, never built (k may have 30 digits)
        base = _max_slots(rep.base, limit)
        return 0 if base == 0 else min(rep.k * base, limit + 1)
    s = rep.structure()
    if s.kind == "axis":
        return 1
    if s.kind in ("same", "sum"):
        return max((_max_slots(p, limit) for p in s.parts), default=0)
    if s.kind == "kron":
        total, seen = 0, {}
        for p in s.parts:  # a power repeats one part: count it once
            key = id(p)
            if key not in seen:
                seen[key] = _max_slots(p, limit)
            total += seen[key]
            if total > limit:
                return limit + 1
        return total
    return 0


@dataclass(frozen=True)
class Layout:
    """Where the S(n)-monomials of a spec lie.

    ``outs`` and ``ins``: the factor of each slot of every output and input summand, in
    coordinate order; ``sizes``: n_f of each factor.
    """

    outs: tuple[tuple[int, ...], ...]
    ins: tuple[tuple[int, ...], ...]
    sizes: tuple[int, ...]

    @classmethod
    def of(cls, spec: Spec) -> Layout | None:
        """The layout of a product of S(n) on sums of tensor monomials, else None.
        ``spec`` is parsed (``Basis.parsed_spec``, ``Problem.spec``): a command parses
        its spec once."""
        from ..solvers.orbit.symmetric import summands

        if not isinstance(spec, Spec):
            raise TypeError(f"Layout.of takes a parsed Spec, not {type(spec).__name__}")
        if any(f.kind != "S" for f in spec.group.factors):
            return None
        if max(_max_slots(spec.rep_in), _max_slots(spec.rep_out)) > MAX_SLOTS:
            return None
        outs, ins = summands(spec.rep_out), summands(spec.rep_in)
        if outs is None or ins is None:
            return None
        return cls(tuple(outs), tuple(ins), tuple(f.degree for f in spec.group.factors))

    @property
    def slots(self) -> int:
        """Width of the labels: the most slots of any block."""
        return max(len(q) for q in self.outs) + max(len(r) for r in self.ins)

    @property
    def complete(self) -> bool:
        """Every set partition of every block's slots occurs, so the labels serve every
        set size: each n_f is at least the number of slots of factor f in a block."""
        return all((q + r).count(f) <= n for q in self.outs for r in self.ins
                   for f, n in enumerate(self.sizes))

    def extents(self, summands) -> tuple[list[int], list[int]]:
        dims = [math.prod(self.sizes[f] for f in m) for m in summands]
        return dims, np.cumsum([0] + dims[:-1]).tolist()


def global_labels(values: np.ndarray, factors) -> np.ndarray:
    """Equality pattern of each row of index values: slot t and u get the same label
    exactly when they belong to the same factor and their values are equal; labels
    numbered from 0 by first appearance (shape (rows, s), int8)."""
    values = np.asarray(values, np.int64)
    rows, s = values.shape
    if s == 0:
        return np.zeros((rows, 0), np.int8)
    factors = np.asarray(factors, np.int64)
    if s > _WIDE:  # s * s comparisons would not fit: a sort per row instead
        keys = factors[None, :] * (int(values.max(initial=0)) + 1) + values
        out = np.empty((rows, s), np.int64)
        for r in range(rows):
            _, first, inverse = np.unique(keys[r], return_index=True, return_inverse=True)
            rank = np.empty(len(first), np.int64)
            rank[np.argsort(first)] = np.arange(len(first))
            out[r] = rank[inverse]
        return out.astype(_label_dtype(s))
    same = ((values[:, :, None] == values[:, None, :])
            & (factors[:, None] == factors[None, :])[None])
    first = same.argmax(axis=2)  # the first slot equal to each slot
    new = first == np.arange(s)
    rank = np.cumsum(new, axis=1) - 1
    return np.take_along_axis(rank, first, axis=1).astype(_label_dtype(s))


def _label_dtype(s: int) -> np.dtype:
    """The smallest signed type for labels -1 .. s - 1."""
    return pattern_dtype(s)


def _block_partitions(q: tuple[int, ...], r: tuple[int, ...], sizes) -> np.ndarray:
    """Per-factor restricted-growth strings of block Hom(R, Q), lexicographic = RREF."""
    from ..solvers.orbit.symmetric import valid_strings

    return valid_strings(q + r, list(sizes))


def compute_partitions(spec: str | Spec) -> Partitions | None:
    """The labels and summands of the orbit (= exact) basis of ``spec``; None where the
    spec is not a product of S(n) on sums of tensor monomials.  Costs O(n_basis)."""
    from ..solvers.orbit.symmetric import mixed_radix

    layout = Layout.of(spec)
    if layout is None:
        return None
    width = layout.slots
    dims_out, offs_out = layout.extents(layout.outs)
    dims_in, offs_in = layout.extents(layout.ins)
    labels, summands, rows, cols = [], [], [], []
    for a, q in enumerate(layout.outs):
        for b, r in enumerate(layout.ins):
            strings = _block_partitions(q, r, layout.sizes)
            lab = np.full((len(strings), width), -1, _label_dtype(width))
            lab[:, :len(q) + len(r)] = global_labels(strings, q + r)
            labels.append(lab)
            summands.append(np.tile([a, b], (len(strings), 1)))
            # the leading position: digits are index values (blocks open in order)
            rows.append(offs_out[a] + mixed_radix(strings[:, :len(q)],
                                                   [layout.sizes[f] for f in q]))
            cols.append(offs_in[b] + mixed_radix(strings[:, len(q):],
                                                  [layout.sizes[f] for f in r]))
    order = np.lexsort((np.concatenate(cols), np.concatenate(rows)))  # RREF: row-major
    summand = np.concatenate(summands)[order]
    top = max(len(layout.outs), len(layout.ins))
    return Partitions(np.concatenate(labels)[order], summand.astype(pattern_dtype(top)))


def blocks_per_factor(labels: np.ndarray, factors) -> np.ndarray:
    """Number of blocks of each factor in each label row: shape (rows, n_factors)."""
    labels = np.asarray(labels)
    factors = np.asarray(factors)
    n_factors = int(factors.max()) + 1 if len(factors) else 0
    out = np.zeros((len(labels), n_factors), np.int64)
    for f in range(n_factors):
        cols = labels[:, factors == f].astype(np.int64)
        if cols.shape[1]:
            width = int(labels.max()) + 2
            seen = np.zeros((len(labels), width), bool)
            np.put_along_axis(seen, cols, True, axis=1)
            out[:, f] = seen.sum(axis=1)
    return out


# ----------------------------------------------------------------------------- expansion

def label_codes(labels: np.ndarray) -> np.ndarray:
    """One int64 per label row (base s + 1 digits; -1 padding is digit 0)."""
    s = labels.shape[1]
    weights = (s + 1) ** np.arange(s, dtype=np.int64)
    return (labels.astype(np.int64) + 1) @ weights


#: the name the tests know
_codes = label_codes


class _Lookup:
    """Label rows of one block -> element numbers, by binary search on their codes."""

    def __init__(self, partitions: Partitions, a: int, b: int, slots: int):
        mine = np.flatnonzero((partitions.summand[:, 0] == a) & (partitions.summand[:, 1] == b))
        codes = label_codes(partitions.labels[mine, :slots])
        order = np.argsort(codes, kind="stable")
        self.codes, self.numbers = codes[order], mine[order]

    def find(self, labels: np.ndarray) -> np.ndarray:
        codes = label_codes(labels)
        at = np.searchsorted(self.codes, codes)
        at = np.minimum(at, max(len(self.codes) - 1, 0))
        hit = (self.codes[at] == codes) if len(self.codes) else np.zeros(len(codes), bool)
        return np.where(hit, self.numbers[at] if len(self.codes) else -1, -1)


def position_digits(flat: np.ndarray, radices: list[int]) -> np.ndarray:
    out = np.empty((len(flat), len(radices)), np.int64)
    rest = flat.astype(np.int64)
    for t in range(len(radices) - 1, -1, -1):
        rest, out[:, t] = np.divmod(rest, radices[t])
    return out


def _check_width(partitions: Partitions) -> None:
    if partitions.labels.shape[1] > _MAX_SLOTS:
        raise ValueError(f"partition labels of more than {_MAX_SLOTS} slots are not supported")


def pattern_rows(partitions: Partitions, layout: Layout, rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of the pattern that the labels describe: position (i, j) holds the
    element whose partition is the equality pattern of (i, j)'s slots, or -1."""
    _check_width(partitions)
    rows = np.asarray(rows, np.int64)
    dims_out, offs_out = layout.extents(layout.outs)
    dims_in, offs_in = layout.extents(layout.ins)
    dim_in = sum(dims_in)
    out = np.full((len(rows), dim_in), -1, np.int64)
    for a, q in enumerate(layout.outs):
        mine = np.flatnonzero((rows >= offs_out[a]) & (rows < offs_out[a] + dims_out[a]))
        if not len(mine):
            continue
        row_digits = position_digits(rows[mine] - offs_out[a], [layout.sizes[f] for f in q])
        for b, r in enumerate(layout.ins):
            lookup = _Lookup(partitions, a, b, len(q) + len(r))
            col_digits = position_digits(np.arange(dims_in[b]), [layout.sizes[f] for f in r])
            step = max(1, _POSITIONS // max(1, dims_in[b]))
            for start in range(0, len(mine), step):  # a few rows at a time: bounded memory
                part = mine[start:start + step]
                values = np.concatenate(
                    [np.repeat(row_digits[start:start + step], dims_in[b], axis=0),
                     np.tile(col_digits, (len(part), 1))], axis=1)
                found = lookup.find(global_labels(values, q + r))
                out[part, offs_in[b]:offs_in[b] + dims_in[b]] = found.reshape(len(part), -1)
    return out


class LabelledBasis(Protocol):
    """What this module reads of a basis: an ``intertwine.Basis``, which asks here for
    the pattern of its labels, so that this module cannot import it."""

    spec: str
    dim_in: int
    dim_out: int
    n_basis: int
    pattern: np.ndarray | None
    coo: Coo | None
    partitions: Partitions | None

    @property
    def parsed_spec(self) -> Spec: ...

    @property
    def encoding(self) -> str: ...


def expand_pattern(basis: LabelledBasis, rows: np.ndarray | None = None) -> np.ndarray:
    """The pattern of a partition-labelled basis at its spec's sizes (all rows, or the
    given ones): how a file of encoding "partitions" becomes an ordinary basis."""
    from ..budget import human, max_bytes

    layout = Layout.of(basis.parsed_spec)
    if layout is None:
        raise ValueError(f"{basis.spec}: partition labels need a product of S(n) on sums "
                         "of tensor monomials")
    rows = np.arange(basis.dim_out) if rows is None else np.asarray(rows)
    need = len(rows) * basis.dim_in * 8
    if need > max_bytes():
        raise ValueError(f"{basis.spec}: expanding the labels into its pattern needs about "
                         f"{human(need)}, limit {human(max_bytes())}")
    return pattern_rows(basis.partitions, layout, rows).astype(pattern_dtype(basis.n_basis))


# ----------------------------------------------------------------------------- checks

def well_formed(partitions: Partitions, layout: Layout) -> str | None:
    """Why the labels cannot be those of ``layout``'s orbit basis, or None."""
    labels, summand = partitions.labels, partitions.summand
    if labels.shape[1] != layout.slots:
        return f"labels have {labels.shape[1]} columns, the spec has {layout.slots} slots"
    if summand.size and (summand[:, 0].max() >= len(layout.outs)
                         or summand[:, 1].max() >= len(layout.ins)):
        return "summand numbers beyond the spec's summands"
    for a, q in enumerate(layout.outs):
        for b, r in enumerate(layout.ins):
            mine = (summand[:, 0] == a) & (summand[:, 1] == b)
            if not mine.any():
                continue
            factors = q + r
            got = labels[mine]
            if (got[:, len(factors):] != -1).any():
                return f"labels of summands ({a}, {b}) have more than {len(factors)} slots"
            block = got[:, :len(factors)]
            if (global_labels(block, np.zeros(len(factors), int)) != block).any():
                return "labels are not numbered by first appearance"
            if len(factors) and (global_labels(block, factors) != block).any():
                return "labels join slots of different factors"
            if len(np.unique(block, axis=0)) != len(block):
                return "two elements have the same partition"
            if len(factors):
                counts = blocks_per_factor(block, factors)
                if (counts > np.array(layout.sizes)[None, :counts.shape[1]]).any():
                    return "a partition has more blocks than its set has points"
    rows, cols = _leading_positions(partitions, layout)
    if len(rows) > 1 and not np.all((np.diff(rows) > 0)
                                    | ((np.diff(rows) == 0) & (np.diff(cols) > 0))):
        return "elements are not in the order of their leading positions (RREF)"
    return None


def _sample_rows(basis: LabelledBasis, layout: Layout) -> np.ndarray:
    """Every row if the pattern is small; else the rows of the leading positions (as many
    as fit) and a few fixed random ones."""
    if basis.dim_out * basis.dim_in <= _FULL_CHECK:
        return np.arange(basis.dim_out)
    budget = max(2, _FULL_CHECK // max(1, basis.dim_in))
    first = _leading_positions(basis.partitions, layout)[0]
    rng = np.random.default_rng(0)
    extra = rng.integers(0, basis.dim_out, size=min(16, budget))
    picked = np.unique(np.concatenate([first[:budget], extra, [0, basis.dim_out - 1]]))
    return picked[:budget + 18]


def factor_digits(labels: np.ndarray, factors) -> np.ndarray:
    """Per-factor restricted-growth digits of global label rows: a label's digit is the
    number of smaller labels of its factor (labels number blocks by first appearance).
    These digits, as index values, are the partition's leading (smallest) position."""
    labels = np.asarray(labels, np.int64)
    rows, s = labels.shape
    factors = np.asarray(factors, np.int64)
    if s == 0:
        return np.zeros((rows, 0), np.int64)
    factor_of = np.full((rows, s), -1, np.int64)
    np.put_along_axis(factor_of, labels, np.broadcast_to(factors, (rows, s)), axis=1)
    digit_of = np.zeros((rows, s), np.int64)
    for f in np.unique(factors):
        mine = factor_of == f
        digit_of = np.where(mine, np.cumsum(mine, axis=1) - 1, digit_of)
    return np.take_along_axis(digit_of, labels, axis=1)


def _leading_positions(partitions: Partitions, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each element's leading position."""
    from ..solvers.orbit.symmetric import mixed_radix

    offs_out, offs_in = layout.extents(layout.outs)[1], layout.extents(layout.ins)[1]
    rows = np.zeros(len(partitions.labels), np.int64)
    cols = np.zeros(len(partitions.labels), np.int64)
    for a, q in enumerate(layout.outs):
        for b, r in enumerate(layout.ins):
            mine = np.flatnonzero((partitions.summand[:, 0] == a)
                                  & (partitions.summand[:, 1] == b))
            digits = factor_digits(partitions.labels[mine][:, :len(q) + len(r)], q + r)
            rows[mine] = offs_out[a] + mixed_radix(digits[:, :len(q)],
                                                    [layout.sizes[f] for f in q])
            cols[mine] = offs_in[b] + mixed_radix(digits[:, len(q):],
                                                   [layout.sizes[f] for f in r])
    return rows, cols


def partition_checks(basis: LabelledBasis) -> Iterator[tuple[bool | None, str]]:
    """What ``intertwine verify`` checks of a file's partition labels: well formed for
    its spec, and equal to the stored basis (every row of a small pattern, sampled rows
    of a large one, every entry of a coo basis)."""
    layout = Layout.of(basis.parsed_spec)
    if layout is None:
        yield False, "partition labels on a spec that is not a product of S(n) on monomials"
        return
    parts = basis.partitions
    if parts.labels.shape[0] != basis.n_basis:
        yield False, f"{parts.labels.shape[0]} partition labels for {basis.n_basis} elements"
        return
    problem = well_formed(parts, layout)
    if problem is not None:
        yield False, f"partition labels malformed: {problem}"
        return
    if basis.encoding == "partitions":
        yield True, f"partition labels well formed ({basis.n_basis} set partitions)"
        return
    if parts.labels.shape[1] > _MAX_SLOTS:
        yield None, (f"partition labels well formed; of {parts.labels.shape[1]} slots, not "
                     "compared with the stored basis")
        return
    if basis.coo is not None:
        yield _check_coo(basis, layout)
        return
    rows = _sample_rows(basis, layout)
    expected = pattern_rows(parts, layout, rows)
    stored = basis.pattern[rows] if len(rows) < basis.dim_out else basis.pattern
    ok = bool(np.array_equal(expected, np.asarray(stored, np.int64)))
    which = ("every row" if len(rows) == basis.dim_out else
             f"{len(rows)} sampled rows of {basis.dim_out}")
    yield ok, (f"partition labels match the pattern ({which})" if ok else
               f"partition labels disagree with the pattern ({which})")


def _entries_agree(c, parts, layout: Layout, lookups: dict) -> bool:
    """The element each entry's position labels, compared with its index."""
    dims_out, offs_out = layout.extents(layout.outs)
    dims_in, offs_in = layout.extents(layout.ins)
    found = np.full(len(c), -1, np.int64)
    for a, q in enumerate(layout.outs):
        for b, r in enumerate(layout.ins):
            sel = np.flatnonzero((c.row >= offs_out[a]) & (c.row < offs_out[a] + dims_out[a])
                                 & (c.col >= offs_in[b]) & (c.col < offs_in[b] + dims_in[b]))
            values = np.concatenate(
                [position_digits(c.row[sel] - offs_out[a], [layout.sizes[f] for f in q]),
                 position_digits(c.col[sel] - offs_in[b], [layout.sizes[f] for f in r])], axis=1)
            if (a, b) not in lookups:
                lookups[a, b] = _Lookup(parts, a, b, len(q) + len(r))
            found[sel] = lookups[a, b].find(global_labels(values, q + r))
    return bool(np.array_equal(found, c.index))


def _falling(n: int, k: int) -> int:
    return math.prod(range(n - k + 1, n + 1)) if k <= n else 0


def _check_coo(basis: LabelledBasis, layout: Layout) -> tuple[bool, str]:
    """Every entry is a 1 at a position whose labels name its element; the entries
    are taken a slice at a time where the basis offers them so (``coo.chunks()``, a
    file read by ``intertwine verify``), else whole."""
    parts = basis.partitions
    chunks = basis.coo.chunks() if hasattr(basis.coo, "chunks") else [basis.coo]
    lookups = {}
    agree = True
    for c in chunks:
        if not np.all(c.value == 1):
            return False, "partition labels: a labelled coo basis must hold only ones"
        agree = agree and _entries_agree(c, parts, layout, lookups)
    expected_nnz = 0
    for m in range(basis.n_basis):
        a, b = parts.summand[m]
        factors = layout.outs[a] + layout.ins[b]
        blocks = blocks_per_factor(parts.labels[m:m + 1, :len(factors)], factors)[0] \
            if factors else []
        expected_nnz += math.prod(_falling(layout.sizes[f], int(k)) for f, k in
                                  enumerate(blocks))
    ok = agree and expected_nnz == len(basis.coo)
    return ok, ("partition labels match every entry of the basis" if ok else
                "partition labels disagree with the basis entries")
