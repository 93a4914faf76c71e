"""Checks of a pattern basis read in bands of rows: what ``intertwine verify`` runs on
pattern files of any size (``verify`` says what the checks mean for a basis).

Each band feeds two running checks:

- *labels seen*: every label 0..N-1 occurs (with disjoint supports that is
  independence);
- *random projections* (Freivalds): with W = sum_k w_k B_k for random weights w, and
  random vectors x and y, y^T (A_out W - W A_in) x = (A_out^T y)^T (W x) - y^T W (A_in x)
  is a sum over bands of rows.  A nonzero A_out B_k - B_k A_in makes it vanish only with
  probability about 2**-20 (w) plus (2 / 2**b)**p (p independent x, y of b >= 4 bits).
  For integer generators (every permutation and signed-permutation group, every Lie
  algebra here) the weights and x are small integers, so W x is exact in float64 and the
  sums are taken modulo a prime: the check is exact, no tolerance.  Other generators use
  a relative tolerance.

Memory: a band (about 24 bytes per entry), the vectors, and 9 bytes per label up to
2**25 labels; beyond (a trivial group has one label per entry) the weights are hashed
and the labels seen are bits.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

__all__ = ["BandResult", "array_blocks", "check_bands"]

_PRIME = 33_554_393  # largest prime below 2**25: products of two residues fit int64
_WEIGHT_BITS = 20
_PROBES = 4


class BandResult(NamedTuple):
    failing: list[int]  # generator pairs under which W is not equivariant
    labels_seen: int
    exact: bool  # modular arithmetic (integer generators), else a tolerance
    probes: int


def array_blocks(pattern: np.ndarray, n_basis: int, entries: int) -> Iterator:
    """An in-memory pattern cut as ``io.PatternFile.blocks`` cuts a file."""
    rows = max(1, entries // max(1, pattern.shape[1]))
    for r in range(0, pattern.shape[0], rows):
        block = pattern[r:r + rows]
        if block.size and (block.min() < -1 or block.max() >= n_basis):
            raise ValueError(f"pattern values outside [-1, {n_basis})")
        yield r, 0, block


def _workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def check_bands(pairs: list, n_basis: int, dim_in: int, dim_out: int, blocks,
                band_entries: int, workers: int | None = None) -> BandResult:
    """Both running checks over the blocks of ``blocks(entries)`` ((row, col, labels),
    row-major).  The blocks are spread over threads (numpy and BLAS release the GIL),
    each with its share of the band budget; one thread reads."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    probe = _Projections(pairs, n_basis, dim_in, dim_out, np.random.default_rng())
    seen = _Seen(n_basis)

    def work(r, c, block):  # in a worker thread: nothing shared is changed but seen
        shifted = np.add(block, 1, dtype=np.intp)  # labels + 1 >= 0, as take() needs
        return r, c, block.shape[1], probe.project(c, shifted), seen.mark(shifted)

    def collect(r, c, width, z, labels):
        probe.collect(r, c, width, z)
        seen.add(labels)

    workers = workers or _workers()
    with ThreadPoolExecutor(workers) as pool:
        running = deque()
        for piece in _prefetched(blocks(max(1, band_entries // workers))):
            running.append(pool.submit(work, *piece))
            if len(running) >= workers:
                collect(*running.popleft().result())
        while running:
            collect(*running.popleft().result())
    return BandResult(probe.failing(), seen.count(), probe.exact, probe.probes)


#: more labels than this: hashed weights and a bitmap of the labels seen, so that memory
#: stays a band (a trivial group has one element per entry)
_TABLE_LABELS = 1 << 25


class _Seen:
    """Which labels occur: a byte per label (marked by the worker threads: they only
    ever set True, in any order), or for many labels a bit per label (marked by the
    collecting thread: setting bits is not atomic)."""

    def __init__(self, n_basis: int):
        self.n_basis = n_basis
        self.small = n_basis < _TABLE_LABELS
        self.flags = np.zeros(n_basis + 1 if self.small else (n_basis + 8) // 8 + 1,
                              np.bool_ if self.small else np.uint8)

    def mark(self, shifted: np.ndarray) -> np.ndarray | None:
        if self.small:
            self.flags[shifted] = True  # slot 0: the -1 entries
            return None
        return shifted.ravel()  # (np.unique costs more than marking repeated labels)

    def add(self, labels: np.ndarray | None) -> None:
        if labels is None:
            return
        byte, bit = labels >> 3, (labels & 7).astype(np.uint8)
        for b in range(8):  # one bit at a time: repeated bytes then all write the same
            at = byte[bit == b]  # value, so plain fancy indexing is exact (no ufunc.at)
            self.flags[at] |= np.uint8(1 << b)

    def count(self) -> int:
        """How many of the labels 0..n_basis-1 occur (shifted: 1..n_basis)."""
        if self.small:
            return int(np.count_nonzero(self.flags[1:]))
        bits = np.unpackbits(self.flags, bitorder="little")[:self.n_basis + 1]
        return int(np.count_nonzero(bits[1:]))


def _hashed_weights(shifted: np.ndarray, seed: int) -> np.ndarray:
    """Random weights 1..2**20 of labels + 1 (0 for no element) without a table:
    splitmix64's mixing of label and seed (uint64 arithmetic wraps around)."""
    x = shifted.astype(np.uint64) ^ np.uint64(seed)
    x *= np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(31)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(29)
    w = (x >> np.uint64(64 - _WEIGHT_BITS)).astype(np.float64) + 1.0
    w[shifted == 0] = 0.0
    return w


def _prefetched(blocks: Iterator) -> Iterator:
    """The blocks, the next one read (and decompressed, which releases the GIL) by a
    second thread while this one checks the current one: two blocks in memory."""
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(next, blocks, done)
        while True:
            block = ahead.result()
            if block is done:
                return
            ahead = pool.submit(next, blocks, done)
            yield block


def _integral(m) -> bool:
    return bool(np.all(m.data == np.round(m.data))) and (
        not m.nnz or float(np.abs(m.data).max()) < 2**20)


class _Projections:
    """Running sums of y^T (A_out W - W A_in) x over bands of W's rows (module docs)."""

    def __init__(self, pairs: list, n_basis: int, dim_in: int, dim_out: int, rng):
        import scipy.sparse as sp

        self.count, self.dim_in = len(pairs), dim_in
        self.pending = None
        spread = max([abs(a_in).sum(axis=1).max() if a_in.nnz else 1 for _, a_in in pairs],
                     default=1)
        bits = 52 - _WEIGHT_BITS - math.ceil(math.log2(float(spread) * max(1, dim_in) + 1))
        self.exact = all(_integral(m) for pair in pairs for m in pair) and bits >= 4
        # Each probe misses a wrong generator with probability <= 2 / 2**bits: two
        # probes suffice with 16 bits or more (2**-30), four otherwise.
        self.probes = p = 2 if bits >= 16 else _PROBES
        table = n_basis < _TABLE_LABELS  # else hashed weights (_hashed_weights), no table
        if self.exact:
            w = rng.integers(1, 2**_WEIGHT_BITS, n_basis if table else 0)
            x = rng.integers(0, 2**min(bits, 20), (dim_in, p))
            y = rng.integers(0, _PRIME, (dim_out, p))
        else:
            w, x, y = (rng.standard_normal(k) for k in (n_basis if table else 0,
                                                       (dim_in, p), (dim_out, p)))
        self.weights = np.append(0.0, w.astype(np.float64)) if table else None  # 0: no element
        self.seed = int(rng.integers(0, 2**63))
        x, y = x.astype(np.float64), y.astype(np.float64)
        self.x = np.hstack([x] + [sp.csr_matrix(a_in) @ x for _, a_in in pairs])
        u = [sp.csr_matrix(a_out).T @ y for a_out, _ in pairs]
        self.u = np.hstack(u) if u else np.zeros((dim_out, 0))
        self.y = y
        if self.exact:
            self.u = self.u.astype(np.int64) % _PRIME
            self.y = self.y.astype(np.int64)
        self.total = np.zeros((self.count, p), np.int64 if self.exact else np.float64)
        self.scale = np.zeros((self.count, p))

    def project(self, c: int, shifted: np.ndarray) -> np.ndarray | None:
        """W x for a block at columns c.., given as labels + 1 (0: no element); pure, so
        that threads may run it side by side."""
        if not self.count:
            return None
        # mode="clip" skips the bounds checks: the labels were range-checked on reading
        block = np.take(self.weights, shifted, mode="clip") if self.weights is not None \
            else _hashed_weights(shifted, self.seed)
        return block @ self.x[c:c + block.shape[1]]

    def collect(self, r: int, c: int, width: int, z: np.ndarray | None) -> None:
        """Adds a projected block, in row-major order (the pieces of a row come in turn)."""
        if z is None:
            return
        self.pending = z if c == 0 else self.pending + z
        if c + width == self.dim_in:
            self._rows(r, self.pending)
            self.pending = None

    def _rows(self, r: int, z: np.ndarray) -> None:
        rows, p = len(z), self.probes
        u = self.u[r:r + rows].reshape(rows, self.count, p)
        y = self.y[r:r + rows][:, None, :]
        wx, wv = z[:, None, :p], z[:, p:].reshape(rows, self.count, p)
        if self.exact:  # |z| < 2**53: exact integers, reduced before multiplying
            wx, wv = wx.astype(np.int64) % _PRIME, wv.astype(np.int64) % _PRIME
            left = (u * wx % _PRIME).sum(axis=0)
            right = (y * wv % _PRIME).sum(axis=0)
            self.total = (self.total + left - right) % _PRIME
        else:
            self.total += (u * wx).sum(axis=0) - (y * wv).sum(axis=0)
            self.scale += np.abs(u * wx).sum(axis=0) + np.abs(y * wv).sum(axis=0)

    def failing(self) -> list[int]:
        if self.exact:
            bad = (self.total != 0).any(axis=1)
        else:
            bad = (np.abs(self.total) > 1e-9 * np.maximum(self.scale, 1e-300)).any(axis=1)
        return np.flatnonzero(bad).tolist()
