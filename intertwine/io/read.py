"""Reading basis files, which may be corrupt or hostile.

Shapes and types are checked against the root attributes, and the memory a read would
need is bounded (``intertwine.io.MAX_BYTES``), before any dataset is read; links,
external storage and virtual datasets, through which a file could make us read other
files, are refused; values are range-checked after reading.  Every failure is a
:class:`BasisFileError` with a one-line message.
"""

from __future__ import annotations

import math
import os
import stat
from contextlib import contextmanager

import h5py
import numpy as np
from h5py import h5a, h5d, h5i, h5l, h5o, h5s, h5t

from .. import interrupt
from ..basis import Basis, Generators, Partitions
from ..coo import Coo, CooMatrix, pattern_dtype
from .common import (
    _BOOL,
    _COO_FIELDS,
    _EXACT_FIELDS,
    _GENERATOR_KINDS,
    _INT,
    _SQUARE_FIELDS,
    _STR,
    ENCODINGS,
    EXACT_VALUES,
    FORMAT,
    FORMAT_VERSION,
    REQUIRED,
    BasisFileError,
    BasisFileNotFoundError,
    _human,
    max_bytes,
)

__all__ = ["CooFile", "PatternFile", "load", "read_attributes", "read_partitions_summary"]

# Filters implemented inside libhdf5 itself (deflate, shuffle, fletcher32, szip, nbit,
# scaleoffset); anything else would need a plugin that other readers may not have.
_BUILTIN_FILTERS = frozenset({1, 2, 3, 4, 5, 6})
# Rough in-memory cost of one exact value stored as a string (bytes + int objects).
_STR_ENTRY_BYTES = 160
_MATRIX_BYTES = 1024  # overhead of one scipy.sparse matrix object
_MAX_ATTR_ITEMS = 1 << 16  # larger extra attributes are not "plain values"; skipped
_SMALL_CHUNK = 1 << 20  # chunks up to this size are fine whatever the dataset's size
#: generators with no entries (Lie algebras on trivial representations; any on a
#: 0-dimensional one): GL(1000) on 1 has 10**6, more is a lie costing time to refuse
_MAX_EMPTY_GENERATORS = 10**6
_MAX_STREAM_CHUNK = 256 << 20  # a band holds whole chunks (intertwine writes 2 MB ones)


def read_attributes(path) -> dict:
    """The root attributes of a basis file as plain Python values, contract ones first.

    Reads no dataset, so it is cheap whatever the size of the basis.
    """
    path = os.fsdecode(path)
    with _reading(path) as f:
        return _root_attributes(f, path)


def read_partitions_summary(path) -> dict | None:
    """Shape of a file's partition labels (contract 5.3), None if it has none; reads no
    dataset's values, so it is cheap whatever the size of the basis."""
    path = os.fsdecode(path)
    with _reading(path) as f:
        attrs = _root_attributes(f, path)
        plan = _Plan.__new__(_Plan)
        plan.f, plan.attrs, plan.path, plan.need = f, attrs, path, 0
        found = plan._partitions(required=attrs["encoding"] == "partitions")
        if found is None:
            return None
        return {"elements": int(found[0].shape[0]), "slots": int(found[0].shape[1])}


def load(path) -> Basis:
    """Read and validate a basis file; raises :class:`BasisFileError` if it is not one."""
    path = os.fsdecode(path)
    with _reading(path) as f:
        attrs = _root_attributes(f, path)
        plan = _Plan(f, attrs, path)
        plan.check_budget()
        return plan.read()


class _SlicedFile:
    """A basis file of one encoding whose basis is read piece by piece, so that files of
    any size can be checked (``intertwine verify``) or drawn (``intertwine show``) in
    bounded memory.  Everything but the basis is validated and read on opening (the
    attributes, the shapes, the generators, within the memory budget); subclasses read
    the basis.  Use it as a context manager."""

    #: the encoding this reader takes, and the name of its pieces in messages
    encoding, pieces = "", ""

    def __init__(self, path):
        self.path = path = os.fsdecode(path)
        self._file = _open(path)
        try:
            with _converted(path):
                self.attrs = _root_attributes(self._file, path)
                if self.attrs["encoding"] != self.encoding:
                    raise BasisFileError(f"not a {self.encoding} file: {path}")
                plan = _Plan(self._file, self.attrs, path)
                plan.check_budget(whole=False)
                self._datasets = self._basis_datasets(plan)
                largest = max(_chunk_bytes(ds) for ds in self._datasets.values())
                if largest > _MAX_STREAM_CHUNK:
                    raise _fail(path, f"{self.encoding} chunks of {_human(largest)} are too "
                                      f"large to read in {self.pieces}")
                self.generators = plan.read_generators()
                self.partitions = plan.read_partitions()  # small: n_basis x slots
        except BaseException:
            self._file.close()
            raise
        self.n_basis, self.dim_in, self.dim_out = (self.attrs[k] for k in
                                                   ("n_basis", "dim_in", "dim_out"))

    def _basis_datasets(self, plan: _Plan) -> dict:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()


class PatternFile(_SlicedFile):
    """A pattern basis file read in bands of rows (``rows``, ``blocks``), each piece
    range-checked."""

    encoding, pieces = "pattern", "bands"

    def _basis_datasets(self, plan: _Plan) -> dict:
        self.dtype = plan._pattern_dtype(plan.pattern)
        return {"pattern": plan.pattern}

    @property
    def _dataset(self):
        return self._datasets["pattern"]

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The pattern's rows ``rows`` (increasing), range-checked."""
        with _converted(self.path):
            block = self._dataset.astype(self.dtype)[np.asarray(rows, np.int64), :]
        if block.size and (block.min() < -1 or block.max() >= self.n_basis):
            raise _fail(self.path, f"pattern values outside [-1, {self.n_basis})")
        return block

    def blocks(self, entries: int):
        """(row, col, block) pieces covering the pattern in row-major order, each of at
        most ``entries`` entries (or one chunk, if chunks are larger): whole rows while
        a row fits, else pieces of one row.  Raises BasisFileError on a value outside
        [-1, n_basis)."""
        rows, cols = self._dataset.shape
        chunks = self._dataset.chunks or (1, cols)
        per_row = max(1, min(cols, entries))
        band = max(1, entries // per_row) if per_row == cols else 1
        band = max(chunks[0], band - band % chunks[0])  # whole chunks: each read once
        if per_row < cols:
            per_row = max(per_row - per_row % chunks[1], min(cols, chunks[1]))
        step = max(1, entries // per_row)  # rows handed out at once, within a read
        for r in range(0, rows, band):
            for c in range(0, cols, per_row):
                with _converted(self.path):
                    block = self._dataset.astype(self.dtype)[r:r + band, c:c + per_row]
                if block.size and (block.min() < -1 or block.max() >= self.n_basis):
                    raise _fail(self.path, f"pattern values outside [-1, {self.n_basis})")
                for i in range(0, max(1, len(block)), step):  # views: no copies
                    yield r + i, c, block[i:i + step]


class CooFile(_SlicedFile):
    """A coo basis file read in slices of entries: ``read(lo, hi)`` gives entries
    ``lo:hi`` as a ``Coo``, range-checked, finite, and (exact files) with positive
    denominators that agree with the values.  Whether an (index, row, col) entry occurs
    twice is the caller's to check (it needs every entry of an element at once)."""

    encoding, pieces = "coo", "slices"

    def _basis_datasets(self, plan: _Plan) -> dict:
        return plan.coo

    @property
    def entries(self) -> int:
        return int(self._datasets["index"].shape[0])

    @property
    def chunk(self) -> int:
        return int((self._datasets["index"].chunks or (1,))[0])

    def read(self, lo: int, hi: int, exact: bool = True) -> Coo:
        """Entries ``lo:hi``, validated as ``load`` validates them (but for duplicates);
        ``exact=False`` skips the numerators and denominators."""
        dss = self._datasets if exact else {k: v for k, v in self._datasets.items()
                                            if k not in _EXACT_FIELDS}
        shape = (self.n_basis, self.dim_out, self.dim_in)
        with _converted(self.path):
            return _read_coo(dss, shape, "basis", self.path, slice(lo, hi), duplicates=False)


def _fail(path: str, problem: str) -> BasisFileError:
    return BasisFileError(f"invalid basis file: {path} ({problem})")


def _describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _open(path: str) -> h5py.File:
    if not os.path.exists(path):
        folder = os.path.dirname(path)
        if folder and not os.path.isdir(folder):
            raise BasisFileNotFoundError(f"folder does not exist: {folder}")
        raise BasisFileNotFoundError(f"no such file: {path}")
    if os.path.isdir(path):
        raise BasisFileError(f"is a folder, not a basis file: {path}")
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device not end
        raise BasisFileError(f"not a regular file (a device or FIFO?): {path}")
    try:
        return h5py.File(path, "r")
    except OSError as exc:  # not HDF5, truncated, unreadable
        raise BasisFileError(f"not a readable HDF5 file: {path} ({_describe(exc)})") from exc


@contextmanager
def _reading(path: str):
    """Open ``path``; whatever goes wrong inside becomes a BasisFileError.

    Ctrl-C and SIGTERM wait until the file is closed: raised inside h5py's finalisers
    they would be lost (see intertwine.interrupt)."""
    with interrupt.deferred():
        f = _open(path)
        with _converted(path), f:
            yield f


@contextmanager
def _converted(path: str):
    """h5py/numpy errors from a damaged or hostile file become a BasisFileError;
    running out of memory stays a MemoryError, a library that cannot be loaded an
    ImportError (under ``ulimit -v``; the command line says so)."""
    try:
        yield
    except (BasisFileError, MemoryError, ImportError):
        raise
    except Exception as exc:
        raise BasisFileError(f"unreadable basis file: {path} ({_describe(exc)})") from exc


# -- root attributes -------------------------------------------------------------------

def _root_attributes(f: h5py.File, path: str) -> dict:
    fid = f.id
    names = list(h5py.AttributeManager(f))  # f.attrs makes a new manager on each use
    if "format" not in names:
        raise BasisFileError(f"not a basis file: {path} (format attribute missing)")
    fmt = _as_str(_attr_id(fid, "format"))
    if fmt != FORMAT:
        raise BasisFileError(f"not a basis file: {path} (format is {fmt!r}, "
                             f"expected {FORMAT!r})")
    version = _as_int(_attr_id(fid, "format_version")) if "format_version" in names else None
    if version is None:
        raise _fail(path, "format_version missing or not an integer")
    if version != FORMAT_VERSION:
        raise BasisFileError(f"unsupported format_version {version} (this intertwine "
                             f"reads {FORMAT_VERSION}): {path}")
    out = {}
    present = set(names)
    for key, kind in REQUIRED.items():
        if key not in present:
            raise _fail(path, f"attribute {key} missing")
        value = _CONVERT[kind](_attr_id(fid, key))
        if value is None:
            raise _fail(path, f"attribute {key} is not {_KIND_NAMES[kind]}")
        out[key] = value
    _check_root(out, path)
    for key in names:
        if key not in REQUIRED:
            value = _plain(_attr_id(fid, key))
            if value is not _SKIP:
                out[key] = value
    return out


def _check_root(a: dict, path: str) -> None:
    if a["encoding"] not in ENCODINGS:
        raise _fail(path, f"unknown encoding {a['encoding']!r}")
    if min(a["dim_in"], a["dim_out"], a["n_basis"]) < 0:
        raise _fail(path, "negative dim_in, dim_out or n_basis")
    if a["n_basis"] > a["dim_in"] * a["dim_out"]:
        raise _fail(path, f"n_basis {a['n_basis']} exceeds dim_out*dim_in")


def _attr(obj, name: str):
    return _attr_id(obj.id, name)


def _attr_id(oid, name: str):
    """Attribute ``name`` of the object with low-level id ``oid``, read as h5py's
    ``obj.attrs[name]`` reads it, but opening it once (its size is checked first)."""
    attr = h5a.open(oid, name.encode("utf-8"))
    shape = attr.shape
    if shape is None:  # empty dataspace
        return h5py.Empty(attr.dtype)
    if math.prod(shape) > _MAX_ATTR_ITEMS:
        return _SKIP  # nothing we know is that large; do not read it
    dtype = attr.dtype
    htype = h5t.py_create(dtype)
    if dtype.subdtype is not None:  # top-level array type: numpy shape (as h5py)
        dtype, subshape = dtype.subdtype
        shape = shape + subshape
    arr = np.zeros(shape, dtype=dtype, order="C")
    attr.read(arr, mtype=htype)
    info = h5t.check_string_dtype(dtype)
    if info and info.length is None:  # vlen strings: bytes to str, as h5py
        arr = np.array([b.decode("utf-8", "surrogateescape") for b in arr.flat],
                       dtype=dtype).reshape(arr.shape)
    return arr[()] if arr.ndim == 0 else arr


_SKIP = object()


def _scalar(v):
    if isinstance(v, np.ndarray) and v.size == 1:  # other writers may use shape (1,)
        return v.reshape(-1)[0]
    return v


def _as_str(v) -> str | None:
    v = _scalar(v)
    if isinstance(v, bytes):  # fixed-length or ASCII strings from other writers
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(v) if isinstance(v, str) else None


def _as_int(v) -> int | None:
    v = _scalar(v)
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer):
        return None
    return int(v)


def _as_bool(v) -> bool | None:
    v = _scalar(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer) and v in (0, 1):  # e.g. C writers' hbool_t
        return bool(v)
    return None


_CONVERT = {_STR: _as_str, _INT: _as_int, _BOOL: _as_bool}
_KIND_NAMES = {_STR: "a string", _INT: "an integer", _BOOL: "a boolean"}


def _plain(v):
    """An extra attribute as a plain Python value, or _SKIP if it has none."""
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic) and v.dtype.kind in "biufc":  # before float: np.float64
        return v.item()
    if isinstance(v, str | bool | int | float):
        return str(v) if isinstance(v, str) else v
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "biufc":
            return v.tolist()
        if v.dtype.kind in "SUO" and all(isinstance(x, str | bytes) for x in v.flat):
            return np.vectorize(_plain, otypes=[object])(v).tolist() if v.size else []
    return _SKIP


# -- locating datasets, checking them, and the memory budget -----------------------------

def _member(group: h5py.Group, name: str, cls, where: str, path: str, required=True):
    """group[name] if it is a hard link to an object of type ``cls`` stored in this file."""
    obj = _hard_member(group, name)
    if obj is _ABSENT:  # no link of that name at all (group.get would say None)
        if required:
            raise _fail(path, f"{where} missing")
        return None
    if obj is None:  # not a hard link, or odd: the general (slower) way
        link = group.get(name, getlink=True)
        if link is None:
            if required:
                raise _fail(path, f"{where} missing")
            return None
        if not isinstance(link, h5py.HardLink):  # soft or external: could point anywhere
            kind = {h5py.SoftLink: "soft link", h5py.ExternalLink: "external link"}.get(
                type(link), type(link).__name__)
            raise _fail(path, f"{where} is a {kind}, refused: it may point outside the file")
        obj = group[name]
    if not isinstance(obj, cls):
        raise _fail(path, f"{where} is not a {cls.__name__.lower()}")
    if cls is h5py.Dataset:
        _check_storage(obj, where, path)
    return obj


_ABSENT = object()


def _hard_member(group: h5py.Group, name: str):
    """group[name] opened with two low-level calls if it is a hard link to a group or
    dataset, _ABSENT if there is no link of that name, else None (soft or external
    links, anything else: the caller then looks the general way)."""
    b = name.encode("utf-8")
    try:
        if not group.id.links.exists(b):
            return _ABSENT
        if group.id.links.get_info(b).type != h5l.TYPE_HARD:
            return None
        oid = h5o.open(group.id, b)
    except Exception:
        return None
    kind = h5i.get_type(oid)
    if kind == h5i.GROUP:
        return h5py.Group(oid)
    if kind == h5i.DATASET:
        return h5py.Dataset(oid, readonly=True)  # files are opened read-only
    return None


def _check_storage(ds: h5py.Dataset, where: str, path: str) -> None:
    dcpl = ds.id.get_create_plist()
    # as ds.external and ds.is_virtual, from one property list
    if dcpl.get_external_count() > 0 or dcpl.get_layout() == h5d.VIRTUAL:
        raise _fail(path, f"{where} has its data in other files")
    for i in range(dcpl.get_nfilters()):
        code = dcpl.get_filter(i)[0]
        if code not in _BUILTIN_FILTERS:
            raise _fail(path, f"{where} uses HDF5 filter {code}, not built into libhdf5")
    shape = ds.id.shape
    if shape is None:
        raise _fail(path, f"{where} has no dataspace")
    # A compressed chunk is decompressed whole: a chunk far larger than its dataset
    # (a 3.8 GB chunk for a 25 x 25 pattern) would cost that memory for nothing.
    chunk, data = _chunk_bytes(ds), math.prod(shape) * ds.id.dtype.itemsize
    if chunk > max(data, _SMALL_CHUNK):
        raise _fail(path, f"{where} has chunks of {_human(chunk)}, more than "
                          f"its {_human(data)} of data")


def _chunk_bytes(ds: h5py.Dataset) -> int:
    # A compressed chunk is decompressed whole, so a hostile chunk size costs memory too.
    chunks = ds.chunks
    return math.prod(chunks) * ds.id.dtype.itemsize if chunks else 0


def _is_string(ds: h5py.Dataset) -> bool:
    return h5py.check_string_dtype(ds.dtype) is not None


#: the commands that read a file of each encoding without loading it whole
_BANDED_READERS = {"pattern": "intertwine verify and show read it in bands"}
_BANDED_DEFAULT = "intertwine verify reads it in bands"


class _Plan:
    """Every dataset to read, checked against the attributes, with its memory cost."""

    def __init__(self, f: h5py.File, attrs: dict, path: str):
        self.f, self.attrs, self.path = f, attrs, path
        self.need = 0  # bytes of everything but the pattern
        self.pattern_need = 0  # bytes of the pattern read whole
        self.coo_need = 0  # bytes of the basis entries read whole
        self.pattern = self.coo = None
        labelled = attrs["encoding"] == "partitions"
        self.partitions = self._partitions(required=labelled)
        if attrs["encoding"] == "pattern":
            self.pattern = self._pattern()
        elif not labelled:
            grp = _member(f, "basis", h5py.Group, "group basis", path)
            before = self.need
            self.coo = self._coo_group(grp, "basis", exact=attrs["exact"])
            # read in slices, a chunk of each dataset is still decompressed whole
            self.coo_need = self.need - before
            self.need = before + sum(_chunk_bytes(ds) for ds in self.coo.values())
            entries = self.coo["index"].shape[0]
            if attrs["n_basis"] > entries:  # every element of a basis has an entry
                raise _fail(path, f"n_basis is {attrs['n_basis']} but the basis holds only "
                                  f"{entries} entries")
        self.generators = {}
        # a partitions-only file may leave its generators to its spec
        gens = _member(f, "generators", h5py.Group, "group generators", path,
                       required=not labelled)
        if gens is None:
            return
        dims = {"in": attrs["dim_in"], "out": attrs["dim_out"],
                "lie_in": attrs["dim_in"], "lie_out": attrs["dim_out"]}
        for kind in _GENERATOR_KINDS:
            required = kind in ("in", "out")
            grp = _member(gens, kind, h5py.Group, f"group generators/{kind}", path, required)
            if grp is not None:
                self.generators[kind] = (self._generator_group(grp, kind, dims[kind]),
                                         dims[kind])
        if ("lie_in" in self.generators) != ("lie_out" in self.generators):
            raise _fail(path, "generators/lie_in and generators/lie_out come together")

    def _partitions(self, required: bool) -> tuple | None:
        grp = _member(self.f, "partitions", h5py.Group, "group partitions", self.path,
                      required)
        if grp is None:
            return None
        n = self.attrs["n_basis"]
        labels = _member(grp, "labels", h5py.Dataset, "dataset partitions/labels", self.path)
        summand = _member(grp, "summand", h5py.Dataset, "dataset partitions/summand",
                          self.path)
        for ds, name in ((labels, "labels"), (summand, "summand")):
            if ds.dtype.kind not in "iu" or len(ds.shape) != 2 or ds.shape[0] != n:
                raise _fail(self.path, f"partitions/{name} is not an integer array with "
                                       f"n_basis = {n} rows")
        if summand.shape[1] != 2:
            raise _fail(self.path, "partitions have an impossible shape")
        self.need += n * (labels.shape[1] + 2) * 8
        return labels, summand

    def _pattern(self) -> h5py.Dataset:
        a = self.attrs
        ds = _member(self.f, "pattern", h5py.Dataset, "dataset pattern", self.path)
        if ds.dtype.kind not in "iu":
            raise _fail(self.path, f"pattern has type {ds.dtype}, not integer")
        if ds.shape != (a["dim_out"], a["dim_in"]):
            raise _fail(self.path, f"pattern has shape {ds.shape}, attributes say "
                                   f"{(a['dim_out'], a['dim_in'])}")
        self.pattern_need = ds.size * self._pattern_dtype(ds).itemsize
        self.need += _chunk_bytes(ds)  # read in bands, a chunk is still decompressed whole
        return ds

    def _pattern_dtype(self, ds: h5py.Dataset) -> np.dtype:
        # Keep the writer's signed width (in native byte order); unsigned patterns cannot
        # hold -1 and are converted to the smallest signed type.
        if ds.dtype.kind == "i":
            return ds.dtype.newbyteorder("=")
        return pattern_dtype(self.attrs["n_basis"])

    def _coo_group(self, grp: h5py.Group, name: str, exact: bool) -> dict:
        kind = self.attrs.get("exact_values", "rational")
        if exact and kind not in EXACT_VALUES:
            raise _fail(self.path, f"attribute exact_values is {kind!r}, not one of "
                                   f"{', '.join(EXACT_VALUES)}")
        fields = _COO_FIELDS + ((_SQUARE_FIELDS if kind == "sqrt" else _EXACT_FIELDS)
                                if exact else ())
        dss = {k: _member(grp, k, h5py.Dataset, f"dataset {name}/{k}", self.path)
               for k in fields}
        lengths = {ds.shape for ds in dss.values()}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1:
            raise _fail(self.path, f"datasets of {name} are not 1-D of one length")
        for k, ds in dss.items():
            self._check_kind(ds, k, f"{name}/{k}")
            self.need += _chunk_bytes(ds)
        n = dss["index"].shape[0]
        strings = sum(_is_string(dss[k]) for k in _EXACT_FIELDS + _SQUARE_FIELDS if k in dss)
        # read arrays (8 bytes each), validation temporaries, exact values as objects
        self.need += n * (64 + 24 * exact + strings * _STR_ENTRY_BYTES)
        return dss

    def _check_kind(self, ds: h5py.Dataset, key: str, where: str) -> None:
        kind = ds.dtype.kind
        exact = kind in "iu" or _is_string(ds)
        ok = {"value": kind == "f", "numerator": exact, "denominator": exact,
              "square_numerator": exact, "square_denominator": exact}.get(key, kind in "iu")
        if not ok:
            raise _fail(self.path, f"dataset {where} has unexpected type {ds.dtype}")

    def _generator_group(self, grp: h5py.Group, kind: str, dim: int) -> tuple:
        count = (_as_int(_attr(grp, "count")) if h5a.exists(grp.id, b"count")
                 else None)
        if count is None or count < 0:
            raise _fail(self.path, f"generators/{kind} lacks a non-negative count")
        dss = self._coo_group(grp, f"generators/{kind}", exact=False)
        entries = dss["index"].shape[0]
        # A discrete generator acts invertibly: each of its matrices has at least dim
        # entries, so the data bounds the count (count=10**6 with 9 entries is a lie).
        # Lie generators may vanish (on trivial representations): those share one matrix.
        if kind in ("in", "out") and dim and count * dim > entries:
            raise _fail(self.path, f"generators/{kind} claims {count} invertible "
                                   f"{dim}x{dim} matrices in {entries} entries")
        if count > entries + _MAX_EMPTY_GENERATORS:  # each is a Python object to make
            raise _fail(self.path, f"generators/{kind} claims {count} matrices, "
                                   f"{count - entries} of them without entries")
        self.need += min(count, entries + 1) * ((dim + 1) * 8 + _MATRIX_BYTES) + count * 8
        return dss, count

    def check_budget(self, whole: bool = True) -> None:
        """Refuse before reading if the arrays need more than the memory budget;
        ``whole=False``: the pattern or the basis entries are read piece by piece."""
        need = self.need + (self.pattern_need + self.coo_need if whole else 0)
        if need > max_bytes():
            raise BasisFileError(
                f"basis file too large to load: {self.path} (needs about "
                f"{_human(need)}, limit {_human(max_bytes())}; see INTERTWINE_MAX_BYTES; "
                f"{_BANDED_READERS.get(self.attrs['encoding'], _BANDED_DEFAULT)})")

    def read_partitions(self) -> Partitions | None:
        """The partition labels (contract 5.3), range-checked; None if the file has none."""
        if self.partitions is None:
            return None
        with _converted(self.path):
            labels, summand = (_read_as(ds, np.int64) for ds in self.partitions)
        width = labels.shape[1]
        if labels.size and (labels.min() < -1 or labels.max() >= width):
            raise _fail(self.path, f"partitions/labels outside [-1, {width})")
        if summand.size and summand.min() < 0:
            raise _fail(self.path, "partitions/summand negative")
        return Partitions(labels.astype(pattern_dtype(width)), summand)

    def read_generators(self) -> Generators:
        return Generators(**{("in_" if k == "in" else k): _read_matrices(*v, k, self.path)
                             for k, v in self.generators.items()})

    # -- reading, after all checks passed ------------------------------------------------
    def read(self) -> Basis:
        a, path = self.attrs, self.path
        n, shape = a["n_basis"], (a["n_basis"], a["dim_out"], a["dim_in"])
        pattern = coo = None
        if self.pattern is not None:
            pattern = _read_as(self.pattern, self._pattern_dtype(self.pattern))
            if pattern.size and (pattern.min() < -1 or pattern.max() >= n):
                raise _fail(path, f"pattern values outside [-1, {n})")
        elif self.coo is not None:
            coo = _read_coo(self.coo, shape, "basis", path)
        gens = self.read_generators()
        partitions = self.read_partitions()
        extras = {k: v for k, v in a.items() if k not in REQUIRED}
        return Basis(spec=a["spec"], group=a["group"], rep_in=a["rep_in"],
                     rep_out=a["rep_out"], dim_in=a["dim_in"], dim_out=a["dim_out"],
                     n_basis=n, method=a["method"], exact=a["exact"], pattern=pattern,
                     coo=coo, generators=gens, partitions=partitions,
                     attrs={**extras, "intertwine_version": a["intertwine_version"]})


# -- reading and validating values ------------------------------------------------------

def _read_coo(dss: dict, shape: tuple[int, int, int], where: str, path: str,
              part: slice = slice(None), duplicates: bool = True) -> Coo:
    """The entries ``part`` of a coo group, validated (``duplicates``: also that no
    (index, row, col) occurs twice among them)."""
    # astype: HDF5 converts while reading (saturating out-of-range values, which the
    # range checks below then reject), so there is no second copy.
    index, row, col = (_read_as(dss[k], np.int64, part) for k in ("index", "row", "col"))
    value = _read_as(dss["value"], np.float64, part)
    for key, a, stop in zip(("index", "row", "col"), (index, row, col), shape, strict=True):
        if a.size and (a.min() < 0 or a.max() >= stop):
            raise _fail(path, f"{where}/{key} outside [0, {stop})")
    if not np.isfinite(value).all():
        raise _fail(path, f"{where}/value not finite")
    if duplicates and _has_duplicates(index, row, col, shape):
        raise _fail(path, f"{where} has an (index, row, col) entry twice")
    coo = Coo(index, row, col, value)
    if "numerator" in dss:
        coo.numerator = _read_exact(dss["numerator"], f"{where}/numerator", path, part)
        coo.denominator = _read_exact(dss["denominator"], f"{where}/denominator", path, part)
        _check_fractions(coo, where, path)
    elif "square_numerator" in dss:
        coo.square_numerator = _read_exact(dss["square_numerator"],
                                           f"{where}/square_numerator", path, part)
        coo.square_denominator = _read_exact(dss["square_denominator"],
                                             f"{where}/square_denominator", path, part)
        _check_squares(coo, where, path)
    return coo


def _read_as(ds: h5py.Dataset, dtype, part: slice = slice(None)) -> np.ndarray:
    """The whole of ``ds`` (or the entries ``part`` of a 1-D ``ds``) as ``dtype``, as
    ``ds.astype(dtype)[()]`` reads it (HDF5 converts while reading, saturating),
    through one low-level read."""
    if part == slice(None):
        arr = np.empty(ds.shape, dtype=dtype)
        if arr.size:
            ds.id.read(h5s.ALL, h5s.ALL, arr)
        return arr
    lo, hi, _ = part.indices(ds.shape[0])
    arr = np.empty(max(0, hi - lo), dtype=dtype)
    if arr.size:
        space = ds.id.get_space()
        space.select_hyperslab((lo,), (arr.size,))
        ds.id.read(h5s.create_simple((arr.size,)), space, arr)
    return arr


def _has_duplicates(index, row, col, shape) -> bool:
    if len(index) < 2:
        return False
    n, rows, cols = shape
    if n * rows * cols < 2**63:  # one int64 key per entry: cheaper than lexsort
        key = np.sort((index * rows + row) * cols + col)
        return bool((key[1:] == key[:-1]).any())
    order = np.lexsort((col, row, index))
    same = [(a[order][1:] == a[order][:-1]) for a in (index, row, col)]
    return bool((same[0] & same[1] & same[2]).any())


def _parse_decimal(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    digits = b[1:] if b[:1] == b"-" else b
    if not digits.isdigit():  # bytes.isdigit: ASCII digits only, unlike int()
        raise ValueError("not a decimal integer")
    return int(b)


def _read_exact(ds: h5py.Dataset, where: str, path: str,
                part: slice = slice(None)) -> np.ndarray:
    if not _is_string(ds):
        if ds.dtype.kind == "u":
            wide = _read_as(ds, np.uint64, part)
            if wide.size and wide.max() > np.iinfo(np.int64).max:
                raise _fail(path, f"{where} does not fit int64")
            return wide.astype(np.int64)
        return _read_as(ds, np.int64, part)
    try:
        whole = ds[()] if part == slice(None) else ds[part]
        return np.frompyfunc(_parse_decimal, 1, 1)(whole).astype(object)
    except ValueError as exc:
        raise _fail(path, f"{where} holds a string that is not a decimal integer") from exc


def _check_fractions(coo: Coo, where: str, path: str) -> None:
    num, den = coo.numerator, coo.denominator
    if den.size and not (den > 0).all():
        raise _fail(path, f"{where}/denominator not positive")
    exact = (num / den).astype(np.float64)  # correctly rounded for Python ints
    if not np.allclose(coo.value, exact, rtol=1e-12, atol=0):
        raise _fail(path, f"{where}/value disagrees with numerator/denominator")


def _check_squares(coo: Coo, where: str, path: str) -> None:
    """value = sign(a) sqrt(|a| / b): b positive, a nonzero, signs equal, squares close."""
    a, b = coo.square_numerator, coo.square_denominator
    if b.size and not (b > 0).all():
        raise _fail(path, f"{where}/square_denominator not positive")
    if a.size and (a == 0).any():
        raise _fail(path, f"{where}/square_numerator holds a zero")
    square = (a / b).astype(np.float64)  # correctly rounded for Python ints
    value = coo.value
    if not (np.sign(value) == np.sign(square)).all() or \
            not np.allclose(value * np.abs(value), square, rtol=1e-12, atol=0):
        raise _fail(path, f"{where}/value disagrees with square_numerator/square_denominator")


def _read_matrices(spec: tuple, dim: int, kind: str, path: str) -> list:
    """The generators of ``kind`` as CooMatrix (plain arrays: no scipy needed to load a
    basis or build a layer from it; ``Generators`` converts them on first access)."""
    dss, count = spec
    c = _read_coo(dss, (count, dim, dim), f"generators/{kind}", path)
    keep = c.value != 0  # tolerate other writers' explicit zeros
    index, row, col, value = c.index[keep], c.row[keep], c.col[keep], c.value[keep]
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(count + 1))
    mats, empty = [], None
    for k in range(count):  # one matrix per generator, vectorised inside
        sel = order[bounds[k]:bounds[k + 1]]
        if not len(sel):  # a vanishing Lie generator: all of them share one matrix
            if empty is None:
                none = np.zeros(0, np.int64)
                empty = CooMatrix(none, none, np.zeros(0), (dim, dim))
            mats.append(empty)
            continue
        mats.append(CooMatrix(row[sel], col[sel], value[sel], (dim, dim)))
    return mats
