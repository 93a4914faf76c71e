"""Checks of a basis from its own contents: what ``intertwine verify`` runs.

Each check yields ``(passed, message)`` with passed True, False, or None (skipped).
Nothing here trusts the solver that wrote the file: equivariance is re-evaluated with
the stored generator matrices, independence from the values, and the count from an
independent formula where one is known: characters and Stirling numbers for finite
groups, representation theory (``counting.count_continuous``: Brauer-type walks over
partitions, Schur-Weyl duality) for continuous ones.

The cheap checks come first and guard the expensive ones: the spec must parse and give
the stored shape, the stored generators must be the spec's, and the number of elements
must match the count.  A file that fails one of them (a relabelled spec, lying
attributes) is refused before its data is read.

Memory is bounded by a band of rows, whatever the size of the file: a pattern file
(``io.PatternFile``) is read in bands, and each band feeds two running checks
(``bands``): every label occurs (with disjoint supports, independence), and
equivariance by random projections, exact modular arithmetic for integer generators.

A coo file is loaded whole (it is bounded by the memory budget) and checked entry by
entry: A_out B_k and B_k A_in are formed as coo tables, element by element in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .bands import array_blocks, check_bands
from .basis import Basis, Coo, Generators

__all__ = ["verify_basis", "verify_file", "equivariance_residual"]

Check = tuple[bool | None, str]

#: entries of one band of a pattern (float64 weights of a band: 8 bytes each, plus
#: temporaries): about 200 MB at most, whatever the file
BAND_ENTRIES = 1 << 23
#: groups with larger V (finite), or more Lie generators (at most degree**2 each), are
#: not rebuilt to compare generators
_MAX_DEGREE = 10**7
_MAX_LIE = 10**7


@dataclass
class _Subject:
    """What the checks need: the root attributes, the generators, and the elements as
    either pattern blocks (``blocks(entries)`` yields (row, col, labels)) or coo."""

    spec: str
    group: str
    rep_in: str
    rep_out: str
    dim_in: int
    dim_out: int
    n_basis: int
    exact: bool
    generators: Generators
    blocks: Callable[[int], Iterator] | None = None
    coo: Coo | None = None

    @classmethod
    def of(cls, attrs, generators: Generators, **data) -> _Subject:
        get = attrs.get if isinstance(attrs, dict) else lambda k: getattr(attrs, k)
        return cls(*(get(k) for k in ("spec", "group", "rep_in", "rep_out", "dim_in",
                                      "dim_out", "n_basis", "exact")), generators, **data)


def verify_basis(b: Basis, band_entries: int = BAND_ENTRIES) -> Iterator[Check]:
    """The checks of an in-memory basis."""
    if b.encoding == "partitions":
        yield from _verify_labels_only(b, band_entries)
        return
    if b.pattern is not None:
        pattern = np.asarray(b.pattern)
        subject = _Subject.of(b, b.generators,
                              blocks=lambda entries: array_blocks(pattern, b.n_basis, entries))
    else:
        subject = _Subject.of(b, b.generators, coo=b.coo)
    failed = yield from _verify(subject, band_entries)
    if b.partitions is not None and not failed:
        from .partitions import partition_checks

        yield from partition_checks(b)


#: a partitions-only file is expanded and checked whole up to this many entries
_EXPAND_ENTRIES = 1 << 22


def _verify_labels_only(b: Basis, band_entries: int) -> Iterator[Check]:
    """A partitions-only file (encoding "partitions"): the labels are well formed and,
    where the pattern they describe at the spec's n is small enough, that pattern with
    the spec's generators passes every check of a pattern file."""
    from dataclasses import replace

    from .partitions import expand_pattern, partition_checks
    from .problem import Problem

    yield from partition_checks(b)
    if b.dim_in * b.dim_out > _EXPAND_ENTRIES:
        problem = None
        agree, message, problem = _spec_agreement(_Subject.of(b, Generators()))
        yield agree, message
        if problem is not None:
            yield _count_check(_Subject.of(b, Generators()), problem)
        yield None, (f"pattern at n of the spec ({b.dim_out} x {b.dim_in}) too large to "
                     "expand; labels, spec and count checked")
        return
    p = Problem(b.parsed_spec)
    gens = Generators(in_=[g.coo() for g in p.discrete_in],
                      out=[g.coo() for g in p.discrete_out])
    whole = replace(b, pattern=expand_pattern(b), generators=gens, partitions=None)
    yield from verify_basis(whole, band_entries)


def verify_file(path, band_entries: int | None = None) -> Iterator[Check]:
    """The checks of a basis file, in memory bounded by a band of rows for patterns.
    Raises ``io.BasisFileError`` if ``path`` is not a readable basis file."""
    from .io import PatternFile, load, max_bytes, read_attributes

    if band_entries is None:  # a band costs about 24 bytes per entry with temporaries
        band_entries = max(1, min(BAND_ENTRIES, max_bytes() // 32))
    if read_attributes(path)["encoding"] == "pattern":
        with PatternFile(path) as f:
            failed = yield from _verify(_Subject.of(f.attrs, f.generators, blocks=f.blocks),
                                        band_entries)
            if f.partitions is not None and not failed:
                from .partitions import partition_checks

                yield from partition_checks(_LabelledPatternFile(f))
    else:
        yield from verify_basis(load(path), band_entries)


class _LabelledPatternFile:
    """What ``partitions.partition_checks`` reads of a basis, from a PatternFile: the
    labels (small) and the pattern's rows it samples, never the whole pattern."""

    encoding, coo = "pattern", None

    def __init__(self, f):
        self.spec, self.partitions = f.attrs["spec"], f.partitions
        self.n_basis, self.dim_in, self.dim_out = f.n_basis, f.dim_in, f.dim_out
        self.pattern = _Rows(f)


class _Rows:
    def __init__(self, f):
        self.f = f

    def __getitem__(self, rows):
        return self.f.rows(rows)

    def __array__(self, dtype=None, copy=None):
        return self.f.rows(np.arange(self.f.dim_out))


def _verify(s: _Subject, band_entries: int) -> Iterator[Check]:
    """Yields the checks; returns True if one failed (``failed = yield from ...``)."""
    failed = False
    for passed, message in _checks(s, band_entries):
        failed |= passed is False
        yield passed, message
    return failed


def _checks(s: _Subject, band_entries: int) -> Iterator[Check]:
    agree, message, problem = _spec_agreement(s)
    results = [(agree, message)]
    if problem is not None:
        results.append(_generator_check(s, problem))
        results.append(_count_check(s, problem))
    yield from results
    if any(passed is False for passed, _ in results):
        yield None, "equivariance and independence not checked: the file already failed"
        return
    if s.blocks is not None:
        yield from _pattern_checks(s, band_entries)
    else:
        # each entry becomes a few products (8 arrays of 8 bytes): a quarter of a band
        residual, pairs = _coo_residual(s.coo, s, max(1, band_entries // 4))
        tol = 1e-9 if s.exact else 1e-8
        yield residual <= tol, (f"equivariant under {_generators(pairs)} (max residual "
                                f"{residual:.1e})")
        yield _coo_independence(s)


def _generators(count: int) -> str:
    return f"{count} stored generator{'' if count == 1 else 's'}"


def _pairs(g: Generators) -> list[tuple]:
    return list(zip(g.out, g.in_)) + list(zip(g.lie_out, g.lie_in))


# -- the cheap checks: spec, generators, count -----------------------------------------

def _number(n: int) -> str:
    """An int for a message, also one too long for str() (Python's 4300-digit limit)."""
    return str(n) if n < 10**30 else f"a number of {int(n.bit_length() * 0.30103) + 1} digits"


def _quoted(text: str, limit: int = 80) -> str:
    """repr of a stored string, shortened: a hostile one may be very long."""
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def _spec_agreement(s: _Subject) -> tuple[bool, str, object]:
    """The spec parses, names the stored group and representations, and gives the stored
    shape: computed from the spec alone, without building anything."""
    from .problem import Problem
    from .spec import parse_spec

    try:
        spec = parse_spec(s.spec)
        parts = (str(spec.group), str(spec.rep_in), str(spec.rep_out))
        problem = Problem(spec)
        shape = (problem.dim_out, problem.dim_in)
    except (ValueError, RecursionError, OverflowError) as e:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return False, f"spec {_quoted(s.spec)} cannot be used: {text}", None
    stored = (s.group, s.rep_in, s.rep_out)
    if parts != stored:
        return False, (f"spec {_quoted(s.spec)} disagrees with the attributes group, rep_in, "
                       f"rep_out {stored}"), None
    if shape != (s.dim_out, s.dim_in):
        return False, (f"spec {s.spec} gives shape ({_number(shape[0])}, "
                       f"{_number(shape[1])}), the file holds ({s.dim_out}, {s.dim_in})"), None
    return True, f"spec {spec} gives the stored shape ({s.dim_out}, {s.dim_in})", problem


def _generator_check(s: _Subject, problem) -> Check:
    """The stored generators must be the ones the spec defines (else any W could pass)."""
    g = s.generators
    counts = [(len(g.in_), len(g.out)), (len(g.lie_in), len(g.lie_out))]
    if any(a != b for a, b in counts):
        return False, (f"stored generators: {len(g.in_)} + {len(g.lie_in)} Lie on the input, "
                       f"{len(g.out)} + {len(g.lie_out)} Lie on the output")
    factors = problem.spec.group.factors
    degrees = [f.degree for f in factors if not f.finite]
    # Every continuous group here has at least d(d-1)/2 Lie generators on V of
    # dimension d (SO(d) exactly; GL, SL, Sp, Lorentz more): a file storing fewer is
    # refused before the spec's (perhaps millions of) generators are built.
    least = sum(d * (d - 1) // 2 for d in degrees)
    if len(g.lie_in) < least:
        return False, (f"the spec's group has at least {_number(least)} Lie generators, the "
                       f"file stores {len(g.lie_in)}")
    if any(f.degree > _MAX_DEGREE for f in factors) or sum(d * d for d in degrees) > _MAX_LIE:
        return None, "stored generators not compared (the group is too large to rebuild)"
    try:
        expected_in = ([x.matrix() for x in problem.discrete_in]
                       + [a.tocsr() for a in problem.lie_in])
        expected_out = ([x.matrix() for x in problem.discrete_out]
                        + [a.tocsr() for a in problem.lie_out])
    except ValueError as e:
        return None, f"stored generators not compared ({e})"
    stored_in, stored_out = g.in_ + g.lie_in, g.out + g.lie_out
    same = (len(stored_in) == len(expected_in) and len(stored_out) == len(expected_out)
            and all(x.shape == y.shape and (x != y).nnz == 0
                    for x, y in zip(stored_in + stored_out, expected_in + expected_out)))
    return same, ("stored generators are those of the spec" if same else
                  "stored generators differ from those of the spec")


def _count_check(s: _Subject, problem) -> Check:
    from .counting import independent_count

    expected, source = independent_count(problem.spec)
    if expected is None:
        return None, "no independent count known for this group"
    zero = " (zero-dimensional: W = 0 is the only equivariant map)" if s.n_basis == 0 else ""
    return expected == s.n_basis, (f"{_elements(s.n_basis)}{zero}, independent count "
                                   f"({source}) {_number(expected)}")


def _elements(n: int) -> str:
    return f"{n} element{'' if n == 1 else 's'}"


def _pattern_checks(s: _Subject, band_entries: int) -> Iterator[Check]:
    pairs = _pairs(s.generators)
    r = check_bands(pairs, s.n_basis, s.dim_in, s.dim_out, s.blocks, band_entries)
    if r.failing:
        yield False, (f"not equivariant under stored generator{'s' * (len(r.failing) > 1)} "
                      f"{', '.join(map(str, r.failing))} of {len(pairs)}")
    else:
        yield True, (f"equivariant under {_generators(len(pairs))} "
                     f"({'exact, ' if r.exact else ''}{r.probes} random projections of a "
                     "random W)")
    ok = r.labels_seen == s.n_basis
    yield ok, ("disjoint supports, every element nonzero" if ok else
               f"only {r.labels_seen} of {s.n_basis} pattern elements occur")


# -- coo bases, entry by entry ------------------------------------------------------------

def equivariance_residual(b: Basis) -> tuple[float, int]:
    """max |rho_out(g) B_k - B_k rho_in(g)| over stored generators; and their number."""
    return _coo_residual(b.entries(), b, BAND_ENTRIES)


def _coo_residual(c: Coo, shape, chunk: int) -> tuple[float, int]:
    """The largest entry of A_out B_k - B_k A_in over all k and generator pairs, from
    the coo entries, whole elements at a time (about ``chunk`` entries)."""
    import scipy.sparse as sp

    pairs = _pairs(shape.generators) if hasattr(shape, "generators") else []
    order = np.argsort(c.index, kind="stable")
    index, row, col, value = (np.asarray(a)[order] for a in (c.index, c.row, c.col, c.value))
    index, row, col = (a.astype(np.int64) for a in (index, row, col))
    starts = np.unique(np.searchsorted(index, index[np.arange(0, len(index), max(1, chunk))]))
    edges = np.append(starts, len(index))
    worst = 0.0
    for a_out, a_in in pairs:
        by_col, by_row = sp.csc_matrix(a_out), sp.csr_matrix(a_in)
        for lo, hi in zip(edges[:-1], edges[1:]):
            k, r, j, v = index[lo:hi], row[lo:hi], col[lo:hi], value[lo:hi]
            # (A_out B_k)[i, j] gathers B_k[r, j] * A_out[i, r] over the column r of A_out
            e, i, a = _expand(by_col, r)
            left = ((k[e], i, j[e]), v[e] * a)
            # (B_k A_in)[r, c'] gathers B_k[r, j] * A_in[j, c'] over the row j of A_in
            e, cc, a = _expand(by_row, j)
            right = ((k[e], r[e], cc), v[e] * a)
            worst = max(worst, _largest_difference(left, right, shape))
    return worst, len(pairs)


def _expand(m, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each position p (a column of csc / a row of csr m), its stored entries:
    (which position, the other coordinate, the value), flattened."""
    starts, counts = m.indptr[positions], np.diff(m.indptr)[positions]
    which = np.repeat(np.arange(len(positions)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    at = starts[which] + offsets
    return which, m.indices[at].astype(np.int64), m.data[at]


def _largest_difference(left, right, shape) -> float:
    (k1, i1, j1), v1 = left
    (k2, i2, j2), v2 = right
    k, i, j = (np.concatenate(p) for p in ((k1, k2), (i1, i2), (j1, j2)))
    values = np.concatenate((v1, -v2))
    if not len(values):
        return 0.0
    if shape.n_basis * shape.dim_out * shape.dim_in < 2**63:
        _, where = np.unique((k * shape.dim_out + i) * shape.dim_in + j, return_inverse=True)
    else:
        _, where = np.unique(np.stack((k, i, j), axis=1), axis=0, return_inverse=True)
    return float(np.abs(np.bincount(where.ravel(), weights=values)).max())


def _coo_independence(s: _Subject) -> Check:
    c, n = s.coo, s.n_basis
    index = np.asarray(c.index, np.int64)
    flat = np.asarray(c.row, np.int64) * s.dim_in + np.asarray(c.col, np.int64)
    if n and (np.bincount(index, minlength=n) == 0).any():
        return False, "some basis element is zero"
    if s.exact:  # sparse throughout: an exact basis may have 10**5 elements
        order = np.lexsort((flat, index))
        first = np.searchsorted(index[order], np.arange(n))
        lead = flat[order][first]  # each element's leading position
        if n and not np.all(np.diff(lead) > 0):
            return False, "not in reduced row-echelon form"
        at = np.minimum(np.searchsorted(lead, flat), max(n - 1, 0))
        pivot = lead[at] == flat if n else np.zeros(len(flat), bool)
        ok = (np.count_nonzero(pivot) == n and np.all(index[pivot] == at[pivot])
              and np.all(np.asarray(c.value)[pivot] == 1))
        return bool(ok), ("reduced row-echelon form (leading ones, distinct pivots)" if ok
                          else "not in reduced row-echelon form")
    import scipy.sparse as sp

    m = sp.csr_matrix((np.asarray(c.value, np.float64), (index, flat)),
                      shape=(n, s.dim_out * s.dim_in))
    off = (m @ m.T - sp.identity(n, format="csr")).tocsr()
    err = float(np.abs(off.data).max()) if off.nnz else 0.0
    return err < 1e-9, f"orthonormal (max |<B_i, B_j> - delta_ij| = {err:.1e})"
