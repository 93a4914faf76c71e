"""Reading and writing basis files (HDF5, contract section 2).

A basis file outlives the program that wrote it: it is shared, cached, downloaded and
opened by other tools, so both directions are defensive.

Writing is atomic.  The file is built under a temporary name in the destination folder
and renamed over the target only once complete, so a crash, Ctrl-C or SIGTERM leaves
either the old file or the new one, never a torn one.  Only filters built into libhdf5
are used, so any HDF5 reader can open the result.

Reading treats the file as possibly corrupt or hostile.  Shapes and types are checked
against the root attributes, and the memory a read would need is bounded (``MAX_BYTES``),
before any dataset is read; links, external storage and virtual datasets, through which
a file could make us read other files, are refused; values are range-checked after
reading.  Every failure is a :class:`BasisFileError` with a one-line message, which the
command line reports as a usage error instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager

import h5py
import numpy as np

from .basis import Basis, Coo, CooMatrix, Generators, pattern_dtype

__all__ = ["BasisFileError", "BasisFileNotFoundError", "MAX_BYTES", "FORMAT",
           "FORMAT_VERSION", "load", "read_attributes", "save"]

FORMAT = "intertwine.basis"
FORMAT_VERSION = 1

_STR, _INT, _BOOL = "str", "int", "bool"
#: the contract's root attributes, in the contract's order, with their types
REQUIRED = {
    "format": _STR, "format_version": _INT, "spec": _STR, "group": _STR, "rep_in": _STR,
    "rep_out": _STR, "dim_in": _INT, "dim_out": _INT, "n_basis": _INT, "method": _STR,
    "encoding": _STR, "exact": _BOOL, "intertwine_version": _STR,
}
ENCODINGS = ("pattern", "coo")
_GENERATOR_KINDS = ("in", "out", "lie_in", "lie_out")
_COO_FIELDS = ("index", "row", "col", "value")
_EXACT_FIELDS = ("numerator", "denominator")

# Large patterns are chunked so that they are written (and can be interrupted) in pieces
# and so that readers can fetch row blocks without loading everything.
_CHUNK_THRESHOLD = 1_000_000  # entries
_CHUNK_BYTES = 2 << 20
_WRITE_BYTES = 32 << 20
# Filters implemented inside libhdf5 itself (deflate, shuffle, fletcher32, szip, nbit,
# scaleoffset); anything else would need a plugin that other readers may not have.
_BUILTIN_FILTERS = frozenset({1, 2, 3, 4, 5, 6})
# Rough in-memory cost of one exact value stored as a string (bytes + int objects).
_STR_ENTRY_BYTES = 160
_MATRIX_BYTES = 1024  # overhead of one scipy.sparse matrix object
_MAX_ATTR_ITEMS = 1 << 16  # larger extra attributes are not "plain values"; skipped


class BasisFileError(ValueError):
    """The path is not a readable basis file (or cannot be written as one)."""


class BasisFileNotFoundError(BasisFileError, FileNotFoundError):
    """The file, or the folder it should be written to, does not exist."""


def _default_max_bytes() -> int:
    env = os.environ.get("INTERTWINE_MAX_BYTES", "").strip()
    if env:
        try:
            value = int(float(env)) if not env.isdigit() else int(env)
            if value > 0:
                return value
        except (ValueError, OverflowError):
            pass
        warnings.warn(f"ignoring INTERTWINE_MAX_BYTES={env!r}: not a positive number",
                      stacklevel=2)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows) or no such name
        return 4 << 30


#: Refuse to load a file whose arrays would take more memory than this (bytes): half the
#: physical memory unless the environment variable INTERTWINE_MAX_BYTES says otherwise.
MAX_BYTES = _default_max_bytes()


# ======================================================================================
# writing
# ======================================================================================

def save(basis: Basis, path, *, compression: str | None = None) -> None:
    """Write ``basis`` to ``path`` (HDF5, contract section 2), atomically.

    ``compression`` is None or ``"gzip"`` (deflate with shuffle).  Raises ValueError if the
    basis is inconsistent, :class:`BasisFileError` if the folder does not exist, cannot
    be written or lacks the space (uncompressed files are checked before writing).  An
    existing file at ``path`` is replaced whole or left untouched.

    ``basis.pattern`` may also be a *pattern source* instead of an array: an object with
    ``shape``, ``dtype`` and ``fill(start, stop, out)`` that computes rows start..stop-1
    into ``out`` (such as ``solvers.orbit.SymmetricPattern``).  It is then written band by
    band into the chunked dataset, so the whole pattern is never held in memory.
    """
    if compression not in (None, "gzip"):
        raise ValueError(f"compression must be None or 'gzip', not {compression!r}")
    path = os.fsdecode(path)
    folder, name = _destination(path)
    data = _prepare(basis)  # all checks and conversions before touching the disk
    if compression is None:
        _check_disk_space(folder, _payload_bytes(data))
    tmp = _temporary(folder, name)
    try:
        _write_file(tmp, basis, data, compression)
        os.replace(tmp, path)
    except BaseException:  # also KeyboardInterrupt / SystemExit: never leave the temp file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _destination(path: str) -> tuple[str, str]:
    folder, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BasisFileNotFoundError(f"folder does not exist: {os.path.dirname(path) or '.'}")
    if os.path.isdir(path):
        raise BasisFileError(f"is a folder, not a file: {path}")
    return folder, name


#: HDF5's own structures (headers, chunk index): generous, so that a check that passes
#: leaves room for them
_FILE_OVERHEAD = 64 << 10
_INDEX_OVERHEAD = 0.01


def _payload_bytes(data: dict) -> int:
    arrays = [data["pattern"]] if "pattern" in data else list(data["basis"].values())
    arrays += [a for coo in data["generators"].values() for a in coo.values()
               if isinstance(a, np.ndarray)]
    total = sum(_nbytes(a) for a in arrays)
    return int(total * (1 + _INDEX_OVERHEAD)) + _FILE_OVERHEAD


def _nbytes(a) -> int:
    if isinstance(a, np.ndarray) and a.dtype != object:
        return a.nbytes
    if isinstance(a, np.ndarray):  # decimal strings of huge exact values
        return sum(len(str(x)) + 16 for x in a.flat)
    return int(np.prod(a.shape, dtype=object)) * np.dtype(a.dtype).itemsize  # a source


def _check_disk_space(folder: str, need: int) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: the write itself will fail cleanly if it must
    if need > free:
        raise BasisFileError(f"not enough disk space in {folder}: the file needs about "
                             f"{_human(need)}, {_human(free)} free")


def _temporary(folder: str, name: str) -> str:
    # Same folder so that os.replace is a rename within one file system; the name is
    # shortened so that prefix + random part + suffix stays within NAME_MAX.
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + name[:200] + ".", suffix=".tmp")
    except OSError as exc:
        raise BasisFileError(f"cannot write to folder: {folder} ({exc.strerror})") from exc
    os.close(fd)
    return tmp


def _write_file(tmp: str, basis: Basis, data: dict, compression) -> None:
    with h5py.File(tmp, "w") as f:
        _write_attributes(f, basis)
        if "pattern" in data:
            _write_pattern(f, data["pattern"], compression, int(basis.n_basis))
        else:
            _write_coo(f.create_group("basis"), data["basis"], compression)
        _write_generators(f.create_group("generators"), data["generators"], compression)
    # Durability: the rename must not reach the disk before the contents do.
    fd = os.open(tmp, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    # mkstemp creates mode 0600; a basis file is as shareable as any other output.
    # (After the fsync: a strict umask may leave even the owner unable to reopen it.)
    os.chmod(tmp, 0o666 & ~_umask())


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status") as fh:  # race-free where available
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: str) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not possible on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- checking and converting the Basis object -------------------------------------------

def _prepare(basis: Basis) -> dict:
    """The arrays to write, after checking that a reader will accept them."""
    dim_in, dim_out, n = int(basis.dim_in), int(basis.dim_out), int(basis.n_basis)
    if min(dim_in, dim_out, n) < 0 or n > dim_in * dim_out:
        raise ValueError(f"inconsistent sizes: n_basis={n}, dim_in={dim_in}, "
                         f"dim_out={dim_out}")
    _extra_attributes(basis.attrs)
    data = {}
    if basis.pattern is not None:
        data["pattern"] = _checked_pattern(basis.pattern, dim_out, dim_in, n)
    elif basis.coo is not None:
        data["basis"] = _basis_coo(basis.coo, basis.exact, (n, dim_out, dim_in))
    else:
        raise ValueError("basis has neither a pattern nor coo entries")
    data["generators"] = _generator_coos(basis.generators, dim_in, dim_out)
    return data


def _is_source(pattern) -> bool:
    return hasattr(pattern, "fill") and not isinstance(pattern, np.ndarray)


def _checked_pattern(pattern, dim_out: int, dim_in: int, n: int) -> np.ndarray:
    if _is_source(pattern):  # values are checked band by band while writing
        dtype = np.dtype(pattern.dtype)
        if dtype.kind != "i" or tuple(pattern.shape) != (dim_out, dim_in):
            raise ValueError(f"pattern source must give signed integers of shape "
                             f"{(dim_out, dim_in)}, not {dtype} {tuple(pattern.shape)}")
        return pattern
    pattern = np.asarray(pattern)
    if pattern.dtype.kind not in "iu" or pattern.shape != (dim_out, dim_in):
        raise ValueError(f"pattern must be an integer array of shape {(dim_out, dim_in)}, "
                         f"not {pattern.dtype} {pattern.shape}")
    if pattern.size and (pattern.min() < -1 or pattern.max() >= n):
        raise ValueError(f"pattern values must lie in [-1, {n})")
    return pattern


def _check_range(values: np.ndarray, stop: int, what: str) -> None:
    if values.size and (values.min() < 0 or values.max() >= stop):
        raise ValueError(f"{what} must lie in [0, {stop})")


def _coo_arrays(index, row, col, value, shape: tuple[int, int, int], what: str) -> dict:
    arrays = {"index": np.asarray(index), "row": np.asarray(row), "col": np.asarray(col)}
    for key, a in arrays.items():
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ValueError(f"{what} {key} must be a 1-D integer array")
    value = np.asarray(value, dtype=np.float64)
    if value.ndim != 1 or len({len(a) for a in (*arrays.values(), value)}) != 1:
        raise ValueError(f"{what} index, row, col and value must be 1-D of equal length")
    if not np.isfinite(value).all():
        raise ValueError(f"{what} values must be finite")
    out = {}
    for (key, a), stop in zip(arrays.items(), shape, strict=True):
        _check_range(a, stop, f"{what} {key}")
        out[key] = a.astype(pattern_dtype(stop), copy=False)  # smallest width that fits
    out["value"] = value
    return out


def _basis_coo(coo: Coo, exact: bool, shape: tuple[int, int, int]) -> dict:
    out = _coo_arrays(coo.index, coo.row, coo.col, coo.value, shape, "coo")
    if not exact:
        return out
    num, den = coo.numerator, coo.denominator
    if num is None:
        num, den = _integral_numerators(out["value"]), None
    num = _exact_array(num, "numerator")
    den = np.ones(len(num), np.int64) if den is None else _exact_array(den, "denominator")
    if not len(num) == len(den) == len(out["value"]):
        raise ValueError("coo numerator and denominator must have one entry per value")
    if den.size and not (den > 0).all():
        raise ValueError("coo denominators must be positive")
    out["numerator"], out["denominator"] = _stored_exact(num), _stored_exact(den)
    return out


def _integral_numerators(value: np.ndarray) -> np.ndarray:
    # Without explicit fractions an exact basis must have integer values.
    if value.size and (np.any(value != np.trunc(value)) or np.abs(value).max() >= 2.0**63):
        raise ValueError("exact coo basis without numerator/denominator has non-integer "
                         "values")
    return value.astype(np.int64)


_is_integer = np.frompyfunc(
    lambda x: isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_), 1, 1)


def _exact_array(a, what: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 1:
        raise ValueError(f"coo {what} must be 1-D")
    if a.dtype.kind in "iu" or a.size == 0:
        return a
    if a.dtype != object or not _is_integer(a).all():
        raise ValueError(f"coo {what} must hold integers (int64 or Python ints)")
    return a


def _stored_exact(a: np.ndarray) -> np.ndarray:
    """int64 when every number fits, else decimal strings (contract section 2)."""
    with contextlib.suppress(OverflowError):
        if a.dtype.kind != "u" or a.size == 0 or a.max() <= np.iinfo(np.int64).max:
            return a.astype(np.int64)  # raises OverflowError for too large Python ints
    return np.frompyfunc(str, 1, 1)(a.astype(object)).astype(object)


def _generator_coos(gens: Generators, dim_in: int, dim_out: int) -> dict:
    kinds = {"in": (gens.raw("in_"), dim_in), "out": (gens.raw("out"), dim_out)}
    if gens.raw("lie_in") or gens.raw("lie_out"):
        kinds.update(lie_in=(gens.raw("lie_in"), dim_in), lie_out=(gens.raw("lie_out"), dim_out))
    return {kind: _matrices_coo(list(mats), dim, kind) for kind, (mats, dim) in kinds.items()}


def _matrices_coo(mats: list, dim: int, kind: str) -> dict:
    """One coo table for a list of matrices, index = position in the list."""
    parts = [_matrix_entries(m, dim, kind) for m in mats]
    index = np.repeat(np.arange(len(parts)), [len(p[0]) for p in parts]).astype(np.int64)
    row, col, value = (np.concatenate([p[a] for p in parts] or [np.zeros(0, t)])
                       for a, t in ((0, np.int64), (1, np.int64), (2, np.float64)))
    keep = value != 0  # the contract forbids explicit zeros
    out = _coo_arrays(index[keep], row[keep], col[keep], value[keep],
                      (max(len(parts), 1), dim, dim), f"generators/{kind}")
    out["count"] = len(parts)
    return out


def _matrix_entries(m, dim: int, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, value) of one matrix, duplicates summed, in row-major order."""
    shape = tuple(m.shape)
    if shape != (dim, dim):
        raise ValueError(f"generator matrices '{kind}' must be {dim}x{dim}, not {shape}")
    if not isinstance(m, CooMatrix):  # a scipy matrix (or anything scipy takes)
        import scipy.sparse as sp

        # copy: sum_duplicates works in place and must not touch the caller's matrix
        c = sp.csr_matrix(m, dtype=np.float64, copy=True)
        c.sum_duplicates()
        c = c.tocoo()
        return c.row.astype(np.int64), c.col.astype(np.int64), c.data
    row, col = np.asarray(m.row), np.asarray(m.col)
    for name, a in (("row", row), ("col", col)):
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ValueError(f"generators/{kind} {name} must be a 1-D integer array")
        _check_range(a, dim, f"generators/{kind} {name}")
    value = np.asarray(m.value, np.float64)
    if value.shape != row.shape or col.shape != row.shape:
        raise ValueError(f"generators/{kind} row, col and value must have equal lengths")
    # np.unique sorts row-major, as scipy's csr -> coo does, and finds duplicates
    key, inverse = np.unique(row.astype(np.int64) * dim + col, return_inverse=True)
    row, col = np.divmod(key, dim)
    return row, col, np.bincount(inverse.ravel(), weights=value, minlength=len(key))


def _extra_attributes(attrs: dict) -> None:
    for key, value in attrs.items():
        if not isinstance(key, str):
            raise TypeError(f"attribute names must be str, not {key!r}")
        ok = isinstance(value, str | bytes | bool | int | float | np.generic | np.ndarray)
        if not ok:
            raise TypeError(f"attribute {key!r}: cannot store {type(value).__name__}")


# -- writing HDF5 ---------------------------------------------------------------------

def _write_attributes(f: h5py.File, basis: Basis) -> None:
    from . import __version__

    required = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "spec": str(basis.spec),
        "group": str(basis.group), "rep_in": str(basis.rep_in),
        "rep_out": str(basis.rep_out), "dim_in": int(basis.dim_in),
        "dim_out": int(basis.dim_out), "n_basis": int(basis.n_basis),
        "method": str(basis.method), "encoding": basis.encoding,
        "exact": np.bool_(bool(basis.exact)), "intertwine_version": str(__version__),
    }
    for key, value in required.items():
        f.attrs[key] = value
    for key, value in basis.attrs.items():
        if key not in REQUIRED:  # extras never override the contract's attributes
            f.attrs[key] = np.bool_(value) if isinstance(value, bool) else value


def _filters(compression) -> dict:
    return {"compression": "gzip", "shuffle": True} if compression else {}


def _pattern_chunks(shape: tuple[int, int], itemsize: int) -> tuple[int, int] | None:
    rows, cols = shape
    if rows == 0 or cols == 0:
        return None  # HDF5 cannot chunk an empty extent
    row_bytes = cols * itemsize
    if row_bytes >= _CHUNK_BYTES:  # a single row exceeds a chunk: split the row
        return 1, min(cols, _CHUNK_BYTES // itemsize)
    return min(rows, _CHUNK_BYTES // row_bytes), cols


def _write_pattern(f: h5py.File, pattern, compression, n_basis: int) -> None:
    shape, dtype = tuple(pattern.shape), np.dtype(pattern.dtype)
    size = shape[0] * shape[1]
    big = size > _CHUNK_THRESHOLD or (compression and size)
    chunks = _pattern_chunks(shape, dtype.itemsize) if big else None
    ds = f.create_dataset("pattern", shape=shape, dtype=dtype,
                          chunks=chunks, **_filters(compression if chunks else None))
    if chunks is None:
        rows_per_write = max(1, shape[0])
    else:
        rows_per_write = max(1, _band_bytes() // max(1, shape[1] * dtype.itemsize))
        rows_per_write = max(chunks[0], rows_per_write - rows_per_write % chunks[0])
    if not _is_source(pattern):
        for start in range(0, shape[0], rows_per_write):  # blocks, not entries
            ds[start:start + rows_per_write] = pattern[start:start + rows_per_write]
        return
    band = np.empty((min(rows_per_write, shape[0]), shape[1]), dtype)
    for start in range(0, shape[0], rows_per_write):  # bands: memory is one band
        stop = min(start + rows_per_write, shape[0])
        rows = band[:stop - start]
        pattern.fill(start, stop, rows)
        if rows.size and (rows.min() < -1 or rows.max() >= n_basis):
            raise ValueError(f"pattern values must lie in [-1, {n_basis})")
        ds[start:stop] = rows


def _band_bytes() -> int:
    """Bytes of pattern rows written at once: a pattern source holds no more than this
    (at least one chunk's rows) in memory, a small part of the memory budget."""
    return max(1, min(_WRITE_BYTES, MAX_BYTES // 8))


def _write_coo(group: h5py.Group, arrays: dict, compression) -> None:
    for key, a in arrays.items():
        if key == "count":
            group.attrs["count"] = int(a)
            continue
        dtype = h5py.string_dtype() if a.dtype == object else a.dtype
        group.create_dataset(key, data=a, dtype=dtype,
                             **_filters(compression if a.size else None))


def _write_generators(group: h5py.Group, coos: dict, compression) -> None:
    for kind, arrays in coos.items():
        _write_coo(group.create_group(kind), arrays, compression)


# ======================================================================================
# reading
# ======================================================================================

def read_attributes(path) -> dict:
    """The root attributes of a basis file as plain Python values, contract ones first.

    Reads no dataset, so it is cheap whatever the size of the basis.
    """
    path = os.fsdecode(path)
    with _reading(path) as f:
        return _root_attributes(f, path)


def load(path) -> Basis:
    """Read and validate a basis file; raises :class:`BasisFileError` if it is not one."""
    path = os.fsdecode(path)
    with _reading(path) as f:
        attrs = _root_attributes(f, path)
        plan = _Plan(f, attrs, path)
        plan.check_budget()
        return plan.read()


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
    try:
        return h5py.File(path, "r")
    except OSError as exc:  # not HDF5, truncated, unreadable
        raise BasisFileError(f"not a readable HDF5 file: {path} ({_describe(exc)})") from exc


@contextmanager
def _reading(path: str):
    """Open ``path``; whatever goes wrong inside becomes a BasisFileError."""
    f = _open(path)
    try:
        with f:
            yield f
    except BasisFileError:
        raise
    except Exception as exc:  # h5py/numpy errors from a damaged or hostile file
        raise BasisFileError(f"unreadable basis file: {path} ({_describe(exc)})") from exc


# -- root attributes -------------------------------------------------------------------

def _root_attributes(f: h5py.File, path: str) -> dict:
    names = list(f.attrs)
    if "format" not in names:
        raise BasisFileError(f"not a basis file: {path} (format attribute missing)")
    fmt = _as_str(_attr(f, "format"))
    if fmt != FORMAT:
        raise BasisFileError(f"not a basis file: {path} (format is {fmt!r}, "
                             f"expected {FORMAT!r})")
    version = _as_int(_attr(f, "format_version")) if "format_version" in names else None
    if version is None:
        raise _fail(path, "format_version missing or not an integer")
    if version != FORMAT_VERSION:
        raise BasisFileError(f"unsupported format_version {version} (this intertwine "
                             f"reads {FORMAT_VERSION}): {path}")
    out = {}
    for key, kind in REQUIRED.items():
        if key not in names:
            raise _fail(path, f"attribute {key} missing")
        value = _CONVERT[kind](_attr(f, key))
        if value is None:
            raise _fail(path, f"attribute {key} is not {_KIND_NAMES[kind]}")
        out[key] = value
    _check_root(out, path)
    for key in names:
        if key not in REQUIRED:
            value = _plain(_attr(f, key))
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
    shape = obj.attrs.get_id(name).shape
    if shape is not None and int(np.prod(shape)) > _MAX_ATTR_ITEMS:
        return _SKIP  # nothing we know is that large; do not read it
    return obj.attrs[name]


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


def _check_storage(ds: h5py.Dataset, where: str, path: str) -> None:
    if ds.external is not None or ds.is_virtual:
        raise _fail(path, f"{where} has its data in other files")
    dcpl = ds.id.get_create_plist()
    for i in range(dcpl.get_nfilters()):
        code = dcpl.get_filter(i)[0]
        if code not in _BUILTIN_FILTERS:
            raise _fail(path, f"{where} uses HDF5 filter {code}, not built into libhdf5")
    if ds.shape is None:
        raise _fail(path, f"{where} has no dataspace")


def _chunk_bytes(ds: h5py.Dataset) -> int:
    # A compressed chunk is decompressed whole, so a hostile chunk size costs memory too.
    return int(np.prod(ds.chunks, dtype=object)) * ds.dtype.itemsize if ds.chunks else 0


def _is_string(ds: h5py.Dataset) -> bool:
    return h5py.check_string_dtype(ds.dtype) is not None


class _Plan:
    """Every dataset to read, checked against the attributes, with its memory cost."""

    def __init__(self, f: h5py.File, attrs: dict, path: str):
        self.f, self.attrs, self.path = f, attrs, path
        self.need = 0
        self.pattern = self.coo = None
        if attrs["encoding"] == "pattern":
            self.pattern = self._pattern()
        else:
            grp = _member(f, "basis", h5py.Group, "group basis", path)
            self.coo = self._coo_group(grp, "basis", exact=attrs["exact"])
        gens = _member(f, "generators", h5py.Group, "group generators", path)
        dims = {"in": attrs["dim_in"], "out": attrs["dim_out"],
                "lie_in": attrs["dim_in"], "lie_out": attrs["dim_out"]}
        self.generators = {}
        for kind in _GENERATOR_KINDS:
            required = kind in ("in", "out")
            grp = _member(gens, kind, h5py.Group, f"group generators/{kind}", path, required)
            if grp is not None:
                self.generators[kind] = (self._generator_group(grp, kind, dims[kind]),
                                         dims[kind])
        if ("lie_in" in self.generators) != ("lie_out" in self.generators):
            raise _fail(path, "generators/lie_in and generators/lie_out come together")

    def _pattern(self) -> h5py.Dataset:
        a = self.attrs
        ds = _member(self.f, "pattern", h5py.Dataset, "dataset pattern", self.path)
        if ds.dtype.kind not in "iu":
            raise _fail(self.path, f"pattern has type {ds.dtype}, not integer")
        if ds.shape != (a["dim_out"], a["dim_in"]):
            raise _fail(self.path, f"pattern has shape {ds.shape}, attributes say "
                                   f"{(a['dim_out'], a['dim_in'])}")
        self.need += ds.size * self._pattern_dtype(ds).itemsize + _chunk_bytes(ds)
        return ds

    def _pattern_dtype(self, ds: h5py.Dataset) -> np.dtype:
        # Keep the writer's signed width (in native byte order); unsigned patterns cannot
        # hold -1 and are converted to the smallest signed type.
        if ds.dtype.kind == "i":
            return ds.dtype.newbyteorder("=")
        return pattern_dtype(self.attrs["n_basis"])

    def _coo_group(self, grp: h5py.Group, name: str, exact: bool) -> dict:
        fields = _COO_FIELDS + (_EXACT_FIELDS if exact else ())
        dss = {k: _member(grp, k, h5py.Dataset, f"dataset {name}/{k}", self.path)
               for k in fields}
        lengths = {ds.shape for ds in dss.values()}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1:
            raise _fail(self.path, f"datasets of {name} are not 1-D of one length")
        for k, ds in dss.items():
            self._check_kind(ds, k, f"{name}/{k}")
            self.need += _chunk_bytes(ds)
        n = dss["index"].shape[0]
        strings = sum(_is_string(dss[k]) for k in _EXACT_FIELDS if k in dss)
        # read arrays (8 bytes each), validation temporaries, exact values as objects
        self.need += n * (64 + 24 * exact + strings * _STR_ENTRY_BYTES)
        return dss

    def _check_kind(self, ds: h5py.Dataset, key: str, where: str) -> None:
        kind = ds.dtype.kind
        ok = {"value": kind == "f", "numerator": kind in "iu" or _is_string(ds),
              "denominator": kind in "iu" or _is_string(ds)}.get(key, kind in "iu")
        if not ok:
            raise _fail(self.path, f"dataset {where} has unexpected type {ds.dtype}")

    def _generator_group(self, grp: h5py.Group, kind: str, dim: int) -> tuple:
        count = _as_int(_attr(grp, "count")) if "count" in grp.attrs else None
        if count is None or count < 0:
            raise _fail(self.path, f"generators/{kind} lacks a non-negative count")
        dss = self._coo_group(grp, f"generators/{kind}", exact=False)
        self.need += count * ((dim + 1) * 8 + _MATRIX_BYTES)  # one csr matrix each
        return dss, count

    def check_budget(self) -> None:
        if self.need > MAX_BYTES:
            raise BasisFileError(
                f"basis file too large to load: {self.path} (needs about "
                f"{_human(self.need)}, limit {_human(MAX_BYTES)}; see INTERTWINE_MAX_BYTES)")

    # -- reading, after all checks passed ------------------------------------------------
    def read(self) -> Basis:
        a, path = self.attrs, self.path
        n, shape = a["n_basis"], (a["n_basis"], a["dim_out"], a["dim_in"])
        pattern = coo = None
        if self.pattern is not None:
            pattern = self.pattern.astype(self._pattern_dtype(self.pattern))[()]
            if pattern.size and (pattern.min() < -1 or pattern.max() >= n):
                raise _fail(path, f"pattern values outside [-1, {n})")
        else:
            coo = _read_coo(self.coo, shape, "basis", path)
        gens = Generators(**{("in_" if k == "in" else k): _read_matrices(*v, k, path)
                             for k, v in self.generators.items()})
        extras = {k: v for k, v in a.items() if k not in REQUIRED}
        return Basis(spec=a["spec"], group=a["group"], rep_in=a["rep_in"],
                     rep_out=a["rep_out"], dim_in=a["dim_in"], dim_out=a["dim_out"],
                     n_basis=n, method=a["method"], exact=a["exact"], pattern=pattern,
                     coo=coo, generators=gens,
                     attrs={**extras, "intertwine_version": a["intertwine_version"]})


def _human(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} EB"


# -- reading and validating values ------------------------------------------------------

def _read_coo(dss: dict, shape: tuple[int, int, int], where: str, path: str) -> Coo:
    # astype: HDF5 converts while reading (saturating out-of-range values, which the
    # range checks below then reject), so there is no second copy.
    index, row, col = (dss[k].astype(np.int64)[()] for k in ("index", "row", "col"))
    value = dss["value"].astype(np.float64)[()]
    for key, a, stop in zip(("index", "row", "col"), (index, row, col), shape, strict=True):
        if a.size and (a.min() < 0 or a.max() >= stop):
            raise _fail(path, f"{where}/{key} outside [0, {stop})")
    if not np.isfinite(value).all():
        raise _fail(path, f"{where}/value not finite")
    if _has_duplicates(index, row, col, shape):
        raise _fail(path, f"{where} has an (index, row, col) entry twice")
    coo = Coo(index, row, col, value)
    if "numerator" in dss:
        coo.numerator = _read_exact(dss["numerator"], f"{where}/numerator", path)
        coo.denominator = _read_exact(dss["denominator"], f"{where}/denominator", path)
        _check_fractions(coo, where, path)
    return coo


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


def _read_exact(ds: h5py.Dataset, where: str, path: str) -> np.ndarray:
    if not _is_string(ds):
        if ds.dtype.kind == "u" and ds.size and ds[()].max() > np.iinfo(np.int64).max:
            raise _fail(path, f"{where} does not fit int64")
        return ds.astype(np.int64)[()]
    try:
        return np.frompyfunc(_parse_decimal, 1, 1)(ds[()]).astype(object)
    except ValueError as exc:
        raise _fail(path, f"{where} holds a string that is not a decimal integer") from exc


def _check_fractions(coo: Coo, where: str, path: str) -> None:
    num, den = coo.numerator, coo.denominator
    if den.size and not (den > 0).all():
        raise _fail(path, f"{where}/denominator not positive")
    exact = (num / den).astype(np.float64)  # correctly rounded for Python ints
    if not np.allclose(coo.value, exact, rtol=1e-12, atol=0):
        raise _fail(path, f"{where}/value disagrees with numerator/denominator")


def _read_matrices(spec: tuple, dim: int, kind: str, path: str) -> list:
    dss, count = spec
    c = _read_coo(dss, (count, dim, dim), f"generators/{kind}", path)
    order = np.argsort(c.index, kind="stable")
    bounds = np.searchsorted(c.index[order], np.arange(count + 1))
    import scipy.sparse as sp  # load() gives scipy matrices; only reading attributes is light

    mats = []
    for k in range(count):  # one matrix per generator, vectorised inside
        sel = order[bounds[k]:bounds[k + 1]]
        m = sp.csr_matrix((c.value[sel], (c.row[sel], c.col[sel])), shape=(dim, dim))
        m.eliminate_zeros()  # tolerate other writers' explicit zeros
        mats.append(m)
    return mats
