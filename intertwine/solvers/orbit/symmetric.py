"""Products of symmetric groups on sums of tensor monomials: the pattern in closed form.

A position's orbit is the equality pattern of its indices, a restricted-growth string,
and the rank of that string among all valid strings has a closed form, added up digit by
digit (``_Ranker``).  Any band of rows can be computed alone (``pattern_source``), so a
pattern larger than memory is written band by band.
"""

from __future__ import annotations

import math

import numpy as np

from ...coo import pattern_dtype
from ...problem import Problem
from ...spec import Rep
from .chunks import chunk_size

__all__ = ["monomial", "summands", "valid_strings", "mixed_radix", "streamable", "pattern_source",
           "SymmetricPattern"]

#: sums of more monomials than this take the general orbit path (blocks are pairs of them)
MAX_SUMMANDS = 10**4


#: the most tensor slots of a monomial built here (a power's slot tuple is k times its base's)
MAX_SLOTS = 10**6


def _power_parts(rep: Rep):
    """(base, k) of a power R**k, else None.  A power's structure repeats its base k times
    and k may have 30 digits, so powers are read from (base, k) and never expanded."""
    from ...reps.power import Power

    return (rep.base, rep.k) if isinstance(rep, Power) else None


def monomial(rep: Rep) -> tuple[int, ...] | None:
    """The factor of each tensor slot of a product of V's, or None if not such a product."""
    power = _power_parts(rep)
    if power is not None:
        m = monomial(power[0])
        if m is None or len(m) * power[1] > MAX_SLOTS:
            return None
        return m * power[1] if m else ()  # () * 10**30 overflows
    s = rep.structure()
    if s.kind == "scalars":
        return () if s.count == 1 else None
    if s.kind == "axis":
        return (s.factor,)
    if s.kind == "same":
        return monomial(s.parts[0])
    if s.kind == "kron":
        out: tuple[int, ...] = ()
        for p in s.parts:
            m = monomial(p)
            if m is None:
                return None
            out += m
        return out
    return None


def summands(rep: Rep) -> list[tuple[int, ...]] | None:
    """The tensor monomials whose direct sum ``rep`` is, in coordinate order.

    None unless each summand occupies a contiguous range of coordinates: R * (Q1 + Q2)
    interleaves Q1 and Q2 (row-major), which only a one-dimensional R leaves contiguous.
    """
    power = _power_parts(rep)
    if power is not None:  # the kron rule below, applied to k copies at once
        sub, k = summands(power[0]), power[1]
        if sub is None or k == 0:
            return None if sub is None else [()]
        if len(sub) == 1:
            if not sub[0]:  # a scalar: () * 10**30 overflows
                return [()]
            return None if len(sub[0]) * k > MAX_SLOTS else [sub[0] * k]
        if k == 1:
            return sub
        if any(sub) or k.bit_length() > MAX_SUMMANDS.bit_length() or len(sub) ** k > MAX_SUMMANDS:
            return None  # interleaved summands, or too many of them
        return [()] * len(sub) ** k
    s = rep.structure()
    if s.kind == "scalars":
        return [()] * s.count if s.count <= MAX_SUMMANDS else None
    if s.kind == "axis":
        return [(s.factor,)]
    if s.kind == "same":
        return summands(s.parts[0])
    if s.kind == "kron":
        acc: list[tuple[int, ...]] = [()]
        for p in s.parts:
            sub = summands(p)
            if sub is None or (len(sub) > 1 and any(acc)) or len(acc) * len(sub) > MAX_SUMMANDS:
                return None
            acc = [a + b for a in acc for b in sub]
        return acc
    if s.kind == "sum":
        out = []
        for t in s.parts:
            sub = summands(t)
            if sub is None or len(out) + len(sub) > MAX_SUMMANDS:
                return None
            out += sub
        return out
    return None


def symmetric_blocks(problem: Problem):
    """(output summands, input summands, sizes) for sums of S(n)-monomials, else None.

    Holds for products of S(n), and of A(n) with n >= slots + 2 (A(n) is then transitive
    enough that no S(n)-orbit of tuples splits).  The group keeps every summand, so W
    splits into blocks Hom(R_a, Q_b), each a monomial problem of its own.
    """
    spec = problem.model
    outs, ins = summands(spec.rep_out), summands(spec.rep_in)
    if outs is None or ins is None:
        return None
    sizes = []
    for i, f in enumerate(spec.group.factors):
        used = max((q.count(i) + r.count(i) for q in outs for r in ins), default=0)
        if not f.family.tuples_by_equality(f, used):
            return None
        sizes.append(f.degree)
    return outs, ins, sizes


def streamable(problem: Problem) -> bool:
    """The closed form of products of S(n) applies.  Decided from the spec alone, so it
    is cheap at any size (``det``, the only source of signs here, is no monomial)."""
    return problem.finite and symmetric_blocks(problem) is not None


def pattern_source(problem: Problem) -> SymmetricPattern | None:
    """The pattern of ``problem`` as rows computed on demand, where the closed form of
    products of S(n) applies (None elsewhere): what lets a pattern larger than memory be
    written band by band.  Check the size first: sums number their orbits up front."""
    if not streamable(problem):
        return None
    return SymmetricPattern(problem, *symmetric_blocks(problem))


class _Block:
    """One monomial block Hom(R, Q) of W: its rows, columns, ranker and orbit numbers."""

    def __init__(self, ranker: _Ranker, rows: tuple[int, int], cols: tuple[int, int]):
        self.ranker, self.rows, self.cols = ranker, rows, cols
        self.width = cols[1] - cols[0]
        self.numbers: np.ndarray | None = None  # block-local orbit number -> W's, if not equal


class SymmetricPattern:
    """The pattern of a sum of S(n)-monomial blocks, row by row, without holding it.

    Each block numbers its orbits by its own first positions; the number in W is the rank
    of the orbit's first position in W among all blocks' (a sort of n_basis numbers, not
    of entries), applied to each block's values with one gather.  A single monomial needs
    no renumbering.  ``fill(start, stop, out)`` computes rows start..stop-1 in pieces of at
    most ``chunk_size()`` entries, so memory beyond ``out`` stays bounded by a piece.
    """

    def __init__(self, problem: Problem, outs, ins, sizes):
        self.shape = (problem.dim_out, problem.dim_in)
        dims_out, offs_out = _extents(outs, sizes)
        dims_in, offs_in = _extents(ins, sizes)
        self.blocks = [_Block(_Ranker(q + r, sizes), (o_out, o_out + d_out), (o_in, o_in + d_in))
                       for q, d_out, o_out in zip(outs, dims_out, offs_out)
                       for r, d_in, o_in in zip(ins, dims_in, offs_in)]
        self.n_basis = sum(b.ranker.n_basis for b in self.blocks)
        self.dtype = pattern_dtype(self.n_basis)
        if len(self.blocks) > 1:
            self._number_blocks(outs, ins, sizes)

    def _number_blocks(self, outs, ins, sizes) -> None:
        firsts = []
        pairs = [(q, r) for q in outs for r in ins]
        for block, (q, r) in zip(self.blocks, pairs):
            strings = valid_strings(q + r, sizes)
            row = mixed_radix(strings[:, :len(q)], [sizes[f] for f in q])
            col = mixed_radix(strings[:, len(q):], [sizes[f] for f in r])
            firsts.append((block.rows[0] + row) * self.shape[1] + block.cols[0] + col)
        first = np.concatenate(firsts)
        number = np.empty(len(first), np.int64)
        number[np.argsort(first, kind="stable")] = np.arange(len(first))
        start = 0
        for block in self.blocks:
            count = block.ranker.n_basis
            block.numbers = number[start:start + count].astype(self.dtype)
            start += count

    def array(self) -> np.ndarray:
        out = np.empty(self.shape, self.dtype)
        self.fill(0, self.shape[0], out)
        return out

    def fill(self, start: int, stop: int, out: np.ndarray) -> None:
        """Write rows start..stop-1 of the pattern into ``out`` (shape (stop-start, dim_in))."""
        for block in self.blocks:  # a handful: one per pair of summands
            a, b = max(start, block.rows[0]), min(stop, block.rows[1])
            if a >= b or block.width == 0:
                continue
            view = out[a - start:b - start, block.cols[0]:block.cols[1]]
            lo, hi = (a - block.rows[0]) * block.width, (b - block.rows[0]) * block.width
            direct = block.numbers is None and view.flags.c_contiguous
            flat = view.reshape(-1) if direct else None
            for offset, size, piece in block.ranker.pieces(lo, hi):  # entries / chunk_size()
                if direct:
                    block.ranker.write(piece, flat[offset - lo:offset - lo + size])
                    continue
                values = np.empty(size, self.dtype)
                block.ranker.write(piece, values)
                if block.numbers is not None:
                    np.take(block.numbers, values, out=values)  # faster than [values]
                _put_flat(view, offset - lo, values)


def _extents(summands, sizes) -> tuple[list[int], list[int]]:
    dims = [math.prod(sizes[f] for f in m) for m in summands]
    return dims, np.cumsum([0] + dims[:-1]).tolist()


def _put_flat(view: np.ndarray, start: int, values: np.ndarray) -> None:
    """view.flat[start:start + len(values)] = values, for a non-contiguous 2-D view."""
    width = view.shape[1]
    row, col = divmod(start, width)
    done = 0
    if col:
        done = min(width - col, len(values))
        view[row, col:col + done] = values[:done]
        row += 1
    full = (len(values) - done) // width
    if full:
        view[row:row + full] = values[done:done + full * width].reshape(full, width)
        done += full * width
        row += full
    if done < len(values):
        view[row, :len(values) - done] = values[done:]


def valid_strings(slots: tuple[int, ...], sizes: list[int]) -> np.ndarray:
    """All restricted-growth strings of the slots (one per orbit), in lexicographic order."""
    strings = np.zeros((1, 0), np.int64)
    counts = {f: np.zeros(1, np.int64) for f in set(slots)}
    for f in slots:
        c = counts[f]
        choices = np.minimum(c + 1, sizes[f])  # an open block, or a new one if allowed
        width = int(choices.max())
        ok = (np.arange(width)[None, :] < choices[:, None]).ravel()
        parent = np.repeat(np.arange(len(c)), width)[ok]
        digit = np.tile(np.arange(width), len(c))[ok]
        strings = np.column_stack([strings[parent], digit])
        counts = {g: v[parent] for g, v in counts.items()}
        counts[f] = counts[f] + (digit == counts[f])
    return strings


def mixed_radix(digits: np.ndarray, radices: list[int]) -> np.ndarray:
    """The row-major flat index of each row of digits (digit k in range(radices[k]))."""
    value = np.zeros(len(digits), np.int64)
    for k, n in enumerate(radices):
        value = value * n + digits[:, k]
    return value


def completions(slots: int, size: int) -> list[list[int]]:
    """table[r][c]: ways to fill r more slots of one factor with c blocks already open.

    A slot joins one of the c open blocks or, while fewer than ``size`` are open, a new
    one; so table[r][c] = c * table[r-1][c] + [c < size] * table[r-1][c+1].
    """
    top = slots + 1
    table = [[1] * top]
    for _ in range(slots):
        prev = table[-1]
        table.append([c * prev[c] + (prev[c + 1] if c < size and c + 1 < top else 0)
                      for c in range(top)])
    return table


#: marks a value not seen yet in ``_Prefixes.blocks``; block numbers (< slots) stay below
_UNSEEN = np.iinfo(np.int8).max


class _Prefixes:
    """The state after the first t slots, for a run of index prefixes (one per row).

    ``rank``: sum of digit * weight so far; ``counts[f]``: blocks of factor f opened;
    ``blocks[f][p, v]``: the block that value v of factor f joined in prefix p, or
    ``_UNSEEN`` (larger than any block number).
    Prefixes are consecutive in row-major order, so they own a contiguous stretch of
    positions: ``depth`` slots are fixed, ``start`` is the first prefix's first position.
    """

    def __init__(self, rank, counts, blocks, depth: int, start: int):
        self.rank, self.counts, self.blocks = rank, counts, blocks
        self.depth, self.start = depth, start

    def __len__(self) -> int:
        return len(self.rank)

    def take(self, a: int, b: int, per_prefix: int) -> _Prefixes:
        return _Prefixes(self.rank[a:b], {f: c[a:b] for f, c in self.counts.items()},
                         {f: x[a:b] for f, x in self.blocks.items()}, self.depth,
                         self.start + a * per_prefix)


class _Ranker:
    """Rank of each position's equality pattern, ranks in row-major first-occurrence order.

    Slot t holds an index of factor f = slots[t].  Its restricted-growth digit a_t is the
    number of the block of equal indices (within factor f) that it joins, blocks numbered
    by first appearance.  The smallest position of an orbit has index a_t in slot t, so
    row-major order of first positions is the lexicographic order of the strings, and an
    orbit's number is the number of valid strings before it:

        rank(a) = sum_t a_t * prod_g completions_g(slots of g after t, blocks of g open)

    (every smaller digit at t reuses an open block, so the open counts stay as they are).
    """

    def __init__(self, slots: tuple[int, ...], sizes: list[int]):
        self.slots, self.sizes = slots, sizes
        m = len(slots)
        self.remaining = [[slots[t + 1:].count(f) for f in range(len(sizes))]
                          for t in range(m)]
        tables = [completions(slots.count(f), n) for f, n in enumerate(sizes)]
        self.n_basis = math.prod(tables[f][slots.count(f)][0] for f in range(len(sizes)))
        self.weights = [{f: np.array(tables[f][r], np.int64) for f, r in enumerate(rem) if r}
                        for rem in self.remaining]
        #: positions per prefix of t fixed slots
        self.extent = [math.prod(sizes[f] for f in slots[t:]) for t in range(m + 1)]

    def root(self) -> _Prefixes:
        live = set(self.slots)
        return _Prefixes(np.zeros(1, np.int64), {f: np.zeros(1, np.int8) for f in live},
                         {f: np.full((1, self.sizes[f]), _UNSEEN, np.int8) for f in live}, 0, 0)

    def pieces(self, lo: int, hi: int):
        """Runs of prefixes covering positions lo..hi-1 exactly, each at most ``chunk_size()``
        positions: (first position, positions, prefixes).  Trip count: entries / chunk_size()."""
        if self.extent[0] == 0 or lo >= hi:
            return
        yield from self._split(self.root(), lo, hi)

    def _split(self, state: _Prefixes, lo: int, hi: int):
        per = self.extent[state.depth]
        end = state.start + len(state) * per
        if end <= lo or state.start >= hi:
            return
        if lo <= state.start and end <= hi and len(state) * per <= chunk_size():
            yield state.start, len(state) * per, state
            return
        if len(state) > 1:
            for a, b in self._runs(state, per, lo, hi):
                yield from self._split(state.take(a, b, per), lo, hi)
            return
        # one prefix, too large or cut: extend it by runs of values of the next slot
        t = state.depth
        f, n = self.slots[t], self.sizes[self.slots[t]]
        child = self.extent[t + 1]
        first = max(0, (lo - state.start) // child)
        last = min(n, -(-(hi - state.start) // child))
        step = max(1, chunk_size() // child)
        digit = self._digit(state, f)
        for a in range(first, last, step):
            b = min(a + step, last)
            yield from self._split(self._extend(state, f, n, digit, a, b), lo, hi)

    @staticmethod
    def _runs(state: _Prefixes, per: int, lo: int, hi: int):
        """Prefixes whole inside lo..hi-1 in runs that fit a chunk; cut ones alone."""
        first = max(0, (lo - state.start) // per)
        last = min(len(state), -(-(hi - state.start) // per))
        whole_lo = max(0, -(-(lo - state.start) // per))  # first prefix starting >= lo
        whole_hi = min(len(state), (hi - state.start) // per)  # prefixes ending <= hi
        if whole_lo >= whole_hi:  # lo and hi cut one prefix or two neighbours
            yield from ((a, a + 1) for a in range(first, last))
            return
        if first < whole_lo:
            yield first, whole_lo
        step = max(1, chunk_size() // per)
        yield from ((a, min(a + step, whole_hi)) for a in range(whole_lo, whole_hi, step))
        if whole_hi < last:
            yield whole_hi, last

    def write(self, state: _Prefixes, out: np.ndarray) -> None:
        """The ranks of all positions of ``state``'s prefixes, into ``out`` (flat)."""
        t = state.depth
        if t == len(self.slots):
            out[:] = state.rank
            return
        while True:
            f, n = self.slots[t], self.sizes[self.slots[t]]
            digit = self._digit(state, f)
            if t + 1 == len(self.slots):  # the last slot weighs 1
                np.add(state.rank.astype(out.dtype)[:, None], digit,
                       out=out.reshape(len(state), n), casting="unsafe")
                return
            state = self._extend(state, f, n, digit, 0, n)
            t += 1

    @staticmethod
    def _digit(state: _Prefixes, f: int) -> np.ndarray:
        known = state.blocks[f]
        # a seen value's block is below the count, an unseen value opens block number
        # count: one minimum (a single pass) instead of a test and a select
        return np.minimum(known, state.counts[f][:, None])  # (prefixes, n)

    def _extend(self, state: _Prefixes, f: int, n: int, digit: np.ndarray, a: int,
                b: int) -> _Prefixes:
        """Every prefix extended by the values a..b-1 of its next slot (factor f)."""
        t, k = state.depth, b - a
        remaining = self.remaining[t]
        w = np.ones(len(state), np.int64)
        for g, table in self.weights[t].items():
            w *= table[state.counts[g]]
        digit = digit[:, a:b]
        rank = (state.rank[:, None] + digit * w[:, None]).ravel()
        counts, blocks = {}, {}
        for g in state.counts:
            if remaining[g] == 0:
                continue  # no slot of g follows: its state is no longer needed
            if g != f:
                counts[g] = np.repeat(state.counts[g], k)
                blocks[g] = np.repeat(state.blocks[g], k, axis=0)
                continue
            known = state.blocks[f]
            opened = known[:, a:b] == _UNSEEN
            counts[f] = (state.counts[f][:, None] + opened).ravel().astype(np.int8)
            grown = np.repeat(known, k, axis=0).reshape(len(state), k, n)
            idx = np.arange(k)
            grown[:, idx, a + idx] = digit
            blocks[f] = grown.reshape(-1, n)
        return _Prefixes(rank, counts, blocks, t + 1,
                         state.start + a * self.extent[t + 1])
