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

A coo file (``io.CooFile``) is read in slices of entries too, never whole, and checked
entry by entry, as strictly as when it was loaded whole: one pass validates every entry
(ranges, finite values, each value against its numerator / denominator) and learns each
element's count and leading position; then groups of whole elements are taken up
again (one read each if the entries come in element order, as intertwine writes them;
else one pass over the file per group), and every entry of A_out B_k - B_k A_in is
formed (a sparse product of the group side by side), repeated entries are refused, and
the pivots of the reduced row-echelon form checked.  A numeric basis's Gram matrix is
summed over ranges of positions, one pass over the file each; where that would take
more than ``MAX_GRAM_PASSES`` passes, it is probed with random sign vectors instead
(two passes; a wrong Gram matrix passes with probability at most 2**-24).
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
    coo: object = None  # a coo source: _MemoryCoo or _FileCoo
    #: "sqrt": values are square roots (docs/irreps.rst), checked exactly on the spec's
    #: rational form (``verify_sqrt``, with the spec's ``problem``)
    exact_values: str = "rational"
    problem: object = None

    @classmethod
    def of(cls, attrs, generators: Generators, **data) -> _Subject:
        get = attrs.get if isinstance(attrs, dict) else lambda k: getattr(attrs, k)
        extra = attrs if isinstance(attrs, dict) else getattr(attrs, "attrs", None) or {}
        return cls(*(get(k) for k in ("spec", "group", "rep_in", "rep_out", "dim_in",
                                      "dim_out", "n_basis", "exact")), generators, **data,
                   exact_values=extra.get("exact_values", "rational"))


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
        subject = _Subject.of(b, b.generators, coo=_MemoryCoo(b.coo))
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
    from .io import CooFile, PatternFile, load, max_bytes, read_attributes

    if band_entries is None:  # a band costs about 24 bytes per entry with temporaries
        band_entries = max(1, min(BAND_ENTRIES, max_bytes() // 32))
    encoding = read_attributes(path)["encoding"]
    if encoding == "partitions":  # labels only: small whatever the basis
        yield from verify_basis(load(path), band_entries)
    elif encoding == "pattern":
        with PatternFile(path) as f:
            failed = yield from _verify(_Subject.of(f.attrs, f.generators, blocks=f.blocks),
                                        band_entries)
            if f.partitions is not None and not failed:
                from .partitions import partition_checks

                yield from partition_checks(_LabelledPatternFile(f))
    else:
        with CooFile(path) as f:
            failed = yield from _verify(_Subject.of(f.attrs, f.generators,
                                                    coo=_FileCoo(f)), band_entries)
            if f.partitions is not None and not failed:
                from .partitions import partition_checks

                yield from partition_checks(_LabelledCooFile(f, band_entries))


class _LabelledPatternFile:
    """What ``partitions.partition_checks`` reads of a basis, from a PatternFile: the
    labels (small) and the pattern's rows it samples, never the whole pattern."""

    encoding, coo = "pattern", None

    def __init__(self, f):
        self.spec, self.partitions = f.attrs["spec"], f.partitions
        self.n_basis, self.dim_in, self.dim_out = f.n_basis, f.dim_in, f.dim_out
        self.pattern = _Rows(f)


class _LabelledCooFile:
    """What ``partitions.partition_checks`` reads of a coo basis, from a CooFile: the
    labels, and the entries slice by slice (``coo.chunks()``)."""

    encoding, pattern = "coo", None

    def __init__(self, f, band_entries: int):
        self.spec, self.partitions = f.attrs["spec"], f.partitions
        self.n_basis, self.dim_in, self.dim_out = f.n_basis, f.dim_in, f.dim_out
        self.coo = _CooChunks(_FileCoo(f), max(1, band_entries // 4))


class _CooChunks:
    def __init__(self, source, entries: int):
        self.source, self.entries = source, entries

    def __len__(self) -> int:
        return self.source.entries

    def chunks(self) -> Iterator[Coo]:
        for lo, hi in _slices(self.source, self.entries):
            yield self.source.read(lo, hi, exact=False)


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
    s.problem = problem
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
        yield from _coo_checks(s, band_entries)


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


# -- coo bases, element by element ---------------------------------------------------------
#
# A coo basis is read in slices of entries, never whole (``io.CooFile`` for a file): one
# pass counts each element's entries, notes whether the entries come in element order
# (intertwine writes them so; the contract allows any order) and each element's leading
# position; then the entries are taken up again in groups of whole elements: sorted
# files as contiguous reads, others by a pass over the file per group (filtering by
# element).  Each group is checked for repeated entries, equivariance (every entry of
# A_out B_k - B_k A_in, exactly as the whole basis was), and the pivots of the RREF.


class _MemoryCoo:
    """An in-memory ``Coo`` with the reading interface of ``io.CooFile``."""

    def __init__(self, coo: Coo):
        self.coo, self.entries, self.chunk = coo, len(coo), 1

    def read(self, lo: int, hi: int, exact: bool = True) -> Coo:
        c = self.coo
        out = Coo(*(np.asarray(a)[lo:hi] for a in (c.index, c.row, c.col, c.value)))
        if exact and getattr(c, "square_numerator", None) is not None:
            out.square_numerator = np.asarray(c.square_numerator)[lo:hi]
            out.square_denominator = np.asarray(c.square_denominator)[lo:hi]
        return out

    def duplicated(self, c: Coo, shape) -> None:
        """Nothing: an in-memory basis sums repeated entries, as ``Basis.sparse``."""


class _FileCoo:
    """An ``io.CooFile`` whose repeated entries make the file unreadable, as ``load``."""

    def __init__(self, f):
        self.f, self.entries, self.chunk = f, f.entries, max(1, f.chunk)

    def read(self, lo: int, hi: int, exact: bool = True) -> Coo:
        return self.f.read(lo, hi, exact)

    def duplicated(self, c: Coo, shape) -> None:
        from .io.read import _fail, _has_duplicates

        if _has_duplicates(c.index, c.row, c.col, shape):
            raise _fail(self.f.path, "basis has an (index, row, col) entry twice")


@dataclass
class _Scan:
    """What the first pass over the entries learns."""

    counts: np.ndarray  # entries of each element
    in_order: bool  # entries sorted by element
    lead: np.ndarray | None  # exact: each element's smallest row * dim_in + col
    bins: np.ndarray | None  # numeric: entries per bin of positions
    bin_width: int


def _slices(source, entries: int) -> Iterator[tuple[int, int]]:
    step = max(source.chunk, entries - entries % source.chunk)  # whole chunks
    for lo in range(0, source.entries, step):
        yield lo, min(source.entries, lo + step)


def _scan(source, s: _Subject, entries: int) -> _Scan:
    n, positions = s.n_basis, s.dim_out * s.dim_in
    counts = np.zeros(n, np.int64)
    lead = np.full(n, positions, np.int64) if s.exact else None
    bin_width = max(1, -(-positions // (1 << 16)))
    bins = None if s.exact else np.zeros(-(-positions // bin_width), np.int64)
    in_order, last = True, 0
    for lo, hi in _slices(source, entries):
        c = source.read(lo, hi, s.exact)  # validated: ranges, values, fractions
        index = np.asarray(c.index, np.int64)
        if len(index):
            in_order = in_order and index[0] >= last and not (np.diff(index) < 0).any()
            last = index[-1]
        counts += np.bincount(index, minlength=n)
        flat = np.asarray(c.row, np.int64) * s.dim_in + np.asarray(c.col, np.int64)
        if lead is not None:
            np.minimum.at(lead, index, flat)
        else:
            bins += np.bincount(flat // bin_width, minlength=len(bins))
    return _Scan(counts, in_order, lead, bins, bin_width)


def _ranges(cum: np.ndarray, limit: int, most: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges [a, b) of keys whose entries (cum[b] - cum[a]) are at most
    ``limit``, of at most ``most`` keys; a key with more entries is a range alone."""
    a, n = 0, len(cum) - 1
    while a < n:
        b = int(np.searchsorted(cum, cum[a] + limit, side="right")) - 1
        b = min(max(b, a + 1), a + most, n)
        yield a, b
        a = b


def _gathered(source, s: _Subject, entries: int, lo: int, hi: int, key) -> Coo:
    """The entries whose key (a function of a Coo) lies in [lo, hi), by one pass."""
    parts = []
    for a, b in _slices(source, entries):
        c = source.read(a, b, exact=False)
        k = key(c)
        keep = np.flatnonzero((k >= lo) & (k < hi))
        parts.append([np.asarray(x)[keep] for x in (c.index, c.row, c.col, c.value)])
    return Coo(*(np.concatenate(p) for p in zip(*parts))) if parts else \
        Coo(*(np.zeros(0, t) for t in (np.int64, np.int64, np.int64, np.float64)))


def _element_groups(source, s: _Subject, scan: _Scan, entries: int,
                    group: int, most: int) -> Iterator[tuple[int, int, Coo]]:
    """(first, stop, entries) for groups of whole elements, their entries sorted by
    element: at most ``group`` entries (or one element) and ``most`` elements each,
    read ``entries`` at a time."""
    cum = np.concatenate(([0], np.cumsum(scan.counts)))
    for k0, k1 in _ranges(cum, entries, len(scan.counts)):
        if scan.in_order:
            c = source.read(int(cum[k0]), int(cum[k1]), exact=False)
        else:
            c = _gathered(source, s, entries, k0, k1, lambda c: np.asarray(c.index))
            order = np.argsort(c.index, kind="stable")
            c = Coo(*(np.asarray(a)[order] for a in (c.index, c.row, c.col, c.value)))
        index, row, col = (np.asarray(a, np.int64) for a in (c.index, c.row, c.col))
        value = np.asarray(c.value, np.float64)
        for a, b in _ranges(cum[k0:k1 + 1] - cum[k0], group, most):
            lo, hi = int(cum[k0 + a] - cum[k0]), int(cum[k0 + b] - cum[k0])
            yield k0 + a, k0 + b, Coo(index[lo:hi], row[lo:hi], col[lo:hi], value[lo:hi])


def _coo_checks(s: _Subject, band_entries: int) -> Iterator[Check]:
    source = s.coo
    # an entry read and validated costs about 135 bytes with the temporaries (an
    # eighth of a band), one regrouped about 70 bytes (a quarter of a band)
    scan = _scan(source, s, max(1, band_entries // 8))
    entries = max(1, band_entries // 4)
    pairs = [(sp_csr(a), sp_csr(b)) for a, b in _pairs(s.generators)]
    # each entry of B becomes (entries in its column of A_out + in its row of A_in)
    # products; a group of k elements meets k copies of A_in
    fan = max([a.nnz / max(1, s.dim_out) + b.nnz / max(1, s.dim_in) for a, b in pairs],
              default=1.0)
    group = max(1, int(entries / max(1.0, fan)))
    most = max(1, entries // max([b.nnz for _, b in pairs] + [s.dim_in, 1]))
    shape = (s.n_basis, s.dim_out, s.dim_in)
    worst, pivots, misplaced = 0.0, 0, False
    lead = scan.lead
    in_order = s.n_basis < 2 or lead is None or bool(np.all(np.diff(lead) > 0))
    for k0, k1, c in _element_groups(source, s, scan, entries, group, most):
        source.duplicated(c, shape)
        worst = max(worst, _residual(c, k0, k1 - k0, pairs, s.dim_in, s.dim_out))
        if lead is not None and in_order and s.n_basis:
            flat = c.row * s.dim_in + c.col
            at = np.minimum(np.searchsorted(lead, flat), s.n_basis - 1)
            pivot = lead[at] == flat
            pivots += int(np.count_nonzero(pivot))
            misplaced |= bool(np.any(c.index[pivot] != at[pivot])
                              or np.any(c.value[pivot] != 1))
    tol = 1e-9 if s.exact else 1e-8
    yield worst <= tol, (f"equivariant under {_generators(len(pairs))} (max residual "
                         f"{worst:.1e})")
    if s.n_basis and (scan.counts == 0).any():
        yield False, "some basis element is zero"
    elif lead is not None:
        ok = in_order and not misplaced and pivots == s.n_basis
        yield ok, ("reduced row-echelon form (leading ones, distinct pivots)" if ok
                   else "not in reduced row-echelon form")
    else:
        yield _orthonormality(source, s, scan, entries)
    if s.exact and s.exact_values == "sqrt" and s.problem is not None:
        if not scan.in_order:
            yield None, "exact square roots not checked: entries not sorted by element"
        else:
            from .verify_sqrt import sqrt_check

            yield sqrt_check(lambda lo, hi: source.read(lo, hi, exact=True), scan.counts,
                             scan.lead, s.problem, s.dim_in, s.dim_out, max(1, group))


#: a numeric Gram matrix is summed exactly if that takes at most this many passes over
#: the file (one per range of positions); beyond, it is probed (``_gram_probe_error``)
MAX_GRAM_PASSES = 4
#: random sign vectors of the probe: a wrong entry of the Gram matrix escapes each with
#: probability at most 1/2
GRAM_PROBES = 24


def _orthonormality(source, s: _Subject, scan: _Scan, entries: int) -> Check:
    cum = np.concatenate(([0], np.cumsum(scan.bins)))
    passes = sum(1 for _ in _ranges(cum, entries, len(scan.bins)))
    positions = s.dim_out * s.dim_in
    # the probe holds B^T x and a product of its size: 16 bytes per position and probe
    if passes <= MAX_GRAM_PASSES or positions * GRAM_PROBES * 16 > entries * 128:
        err = _gram_error(source, s, scan, entries)
        return err < 1e-9, f"orthonormal (max |<B_i, B_j> - delta_ij| = {err:.1e})"
    err = _gram_probe_error(source, s, entries)
    return err < 1e-9, (f"orthonormal (max |(G - I) x| = {err:.1e} for {GRAM_PROBES} random "
                        f"sign vectors x, G the Gram matrix)")


def _gram_probe_error(source, s: _Subject, entries: int) -> float:
    """max |(G - I) x| over random x in {-1, 1}^n, G = B B^T the Gram matrix (B the
    elements as rows): two passes over the file, B^T x and then B (B^T x).

    For its largest entry e in row i, (G - I) x has |entry i| >= |e| for at least one
    of x and x with x_j flipped (j where e sits), hence with probability >= 1/2: a
    Gram matrix off by more than the tolerance passes all ``GRAM_PROBES`` only with
    probability 2**-GRAM_PROBES, whatever the file.  The summed Gram matrix would take
    a pass over the file per range of positions (``SO(3): V**6 -> V**6`` numeric: 487
    million entries, dense over 132,861 positions)."""
    import scipy.sparse as sp

    n, positions = s.n_basis, s.dim_out * s.dim_in

    def slices():  # B^T, a slice of the file at a time: (positions, n)
        for lo, hi in _slices(source, entries):
            c = source.read(lo, hi, exact=False)
            flat = np.asarray(c.row, np.int64) * s.dim_in + np.asarray(c.col, np.int64)
            yield sp.coo_matrix((np.asarray(c.value, np.float64),
                                 (flat, np.asarray(c.index, np.int64))), shape=(positions, n))

    x = np.random.default_rng().choice([-1.0, 1.0], (n, GRAM_PROBES))
    bx = sum((part @ x for part in slices()), np.zeros((positions, GRAM_PROBES)))
    gx = sum((part.T @ bx for part in slices()), -x)
    return float(np.abs(gx).max(initial=0.0))


def sp_csr(m):
    import scipy.sparse as sp

    return sp.csr_matrix(m)


def equivariance_residual(b: Basis) -> tuple[float, int]:
    """max |rho_out(g) B_k - B_k rho_in(g)| over stored generators; and their number."""
    c = b.entries()
    order = np.argsort(c.index, kind="stable")
    c = Coo(*(np.asarray(a)[order] for a in (c.index, c.row, c.col, c.value)))
    s = _Subject.of(b, b.generators, coo=_MemoryCoo(c))
    scan = _Scan(np.bincount(np.asarray(c.index, np.int64), minlength=b.n_basis), True,
                 None, None, 1)
    pairs = [(sp_csr(x), sp_csr(y)) for x, y in _pairs(b.generators)]
    worst = 0.0
    for k0, k1, g in _element_groups(s.coo, s, scan, BAND_ENTRIES, BAND_ENTRIES // 8,
                                     BAND_ENTRIES):
        worst = max(worst, _residual(g, k0, k1 - k0, pairs, b.dim_in, b.dim_out))
    return worst, len(pairs)


def _residual(c: Coo, first: int, count: int, pairs, dim_in: int, dim_out: int) -> float:
    """The largest entry of A_out B_k - B_k A_in over the elements first .. first +
    count - 1 (whose entries ``c`` holds) and the generator pairs: the elements side by
    side, H = [B_first | B_first+1 | ...], so that A_out H - H diag(A_in, A_in, ...)
    holds every A_out B_k - B_k A_in (scipy sums the products exactly as they come)."""
    import scipy.sparse as sp

    if not len(c.index) or not pairs:
        return 0.0
    h = sp.csr_matrix((c.value, (c.row, (c.index - first) * dim_in + c.col)),
                      shape=(dim_out, count * dim_in))
    worst = 0.0
    for a_out, a_in in pairs:
        d = a_out @ h - h @ sp.kron(sp.identity(count, format="csr"), a_in, format="csr")
        if d.nnz:
            worst = max(worst, float(np.abs(d.data).max()))
    return worst


def _gram_error(source, s: _Subject, scan: _Scan, entries: int) -> float:
    """max |<B_i, B_j> - delta_ij|: the Gram matrix summed over ranges of positions
    (row * dim_in + col), each gathered by one pass over the entries."""
    import scipy.sparse as sp

    n, width = s.n_basis, scan.bin_width
    gram = sp.csr_matrix((n, n))
    cum = np.concatenate(([0], np.cumsum(scan.bins)))
    for b0, b1 in _ranges(cum, entries, len(scan.bins)):
        lo, hi = b0 * width, min(b1 * width, s.dim_out * s.dim_in)
        c = _gathered(source, s, entries, lo, hi, lambda c: np.asarray(c.row, np.int64)
                      * s.dim_in + np.asarray(c.col, np.int64))
        m = sp.csr_matrix((np.asarray(c.value, np.float64),
                           (np.asarray(c.index, np.int64),
                            np.asarray(c.row, np.int64) * s.dim_in + c.col - lo)),
                          shape=(n, hi - lo))
        gram = gram + m @ m.T
    off = (gram - sp.identity(n, format="csr")).tocsr()
    return float(np.abs(off.data).max()) if off.nnz else 0.0
