"""Writing basis files: checked before touching the disk, then atomic.

The file is built under a temporary name in the destination folder and renamed over the
target only once complete, so a crash, Ctrl-C or SIGTERM leaves either the old file or
the new one, never a torn one.  Only filters built into libhdf5 are used, so any HDF5
reader can open the result.
"""

from __future__ import annotations

import contextlib
import errno
import os
from typing import Protocol

import h5py
import numpy as np

from ..budget import human, max_bytes
from ..coo import Coo, CooMatrix, Partitions, pattern_dtype
from ..runtime import interrupt
from ..runtime.atomic import OutputPathError, atomic_path, output_target
from .common import (
    FORMAT,
    FORMAT_VERSION,
    REQUIRED,
    UNREAD,
    BasisFileError,
    BasisFileNotFoundError,
    attribute_as_read,
)

__all__ = ["save", "WritableBasis", "GeneratorLists"]


class GeneratorLists(Protocol):
    """The generators as the writer reads them (``intertwine.basis.Generators``)."""

    def raw(self, kind: str) -> list: ...


class WritableBasis(Protocol):
    """What the writer reads of a basis: an ``intertwine.Basis``, whose ``save`` calls
    this module, so that this module cannot import it (see the file format in docs/)."""

    spec: str
    group: str
    rep_in: str
    rep_out: str
    dim_in: int
    dim_out: int
    n_basis: int
    method: str
    exact: bool
    pattern: np.ndarray | None
    coo: Coo | None
    generators: GeneratorLists
    attrs: dict
    partitions: Partitions | None

    @property
    def encoding(self) -> str: ...


# Large patterns are chunked so that they are written (and can be interrupted) in pieces
# and so that readers can fetch row blocks without loading everything.
_CHUNK_THRESHOLD = 1_000_000  # entries
_CHUNK_BYTES = 2 << 20
_WRITE_BYTES = 32 << 20


def save(basis: WritableBasis, path, *, compression: str | None = None, progress=None) -> dict:
    """Write ``basis`` to ``path`` (HDF5, docs/format.rst), atomically.

    ``compression`` is None or ``"gzip"`` (deflate with shuffle).  Raises ValueError if the
    basis is inconsistent, :class:`BasisFileError` if the folder does not exist, cannot
    be written or lacks the space (uncompressed files are checked before writing).  An
    existing file at ``path`` is replaced whole or left untouched.

    ``basis.pattern`` may also be a *pattern source* instead of an array: an object with
    ``shape``, ``dtype`` and ``fill(start, stop, out)`` that computes rows start..stop-1
    into ``out`` (such as ``solvers.orbit.SymmetricPattern``).  It is then written band by
    band into the chunked dataset, so the whole pattern is never held in memory.

    ``path`` may be a symbolic link: its target is replaced.  A path that is a folder,
    a device or a FIFO is refused (:class:`BasisFileError`).  A full disk is a
    :class:`BasisFileError` too ("no space left on device"), and leaves nothing behind.

    ``progress(done, total, nbytes)``, if given, is called before the write (``done``
    and ``total`` 0) and, for a pattern, after each band of rows (``done`` of ``total``
    rows), with ``nbytes`` the size of the data before compression.

    Returns the root attributes written, as :func:`~intertwine.io.read_attributes` would
    read them back (including those a streamed basis learns while it is written).
    """
    if compression not in (None, "gzip"):
        raise ValueError(f"compression must be None or 'gzip', not {compression!r}")
    path = os.fsdecode(path)
    folder, target = destination(path)
    data = _prepare(basis)  # all checks and conversions before touching the disk
    nbytes = _payload_bytes(data)
    if compression is None:
        _check_disk_space(folder, nbytes)
    report = None
    if progress is not None:
        progress(0, 0, nbytes)  # before writing: the size
        report = lambda done, total: progress(done, total, nbytes)  # noqa: E731
    written: dict = {}
    try:
        with atomic_path(target, cannot_write) as tmp:
            _write_file(tmp, basis, data, compression, report, written)
    except OSError as exc:
        if isinstance(exc, BasisFileError):
            raise
        raise write_error(exc, path) from exc
    _sync_folder(folder)
    return written


def destination(path: str) -> tuple[str, str]:
    """The folder and the file that writing ``path`` replaces (links followed)."""
    try:
        target = output_target(path)
    except OutputPathError as exc:
        raise BasisFileError(str(exc)) from None
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        shown = os.path.dirname(path) if os.path.realpath(path) == os.path.abspath(path) \
            else folder
        raise BasisFileNotFoundError(f"folder does not exist: {shown or '.'}")
    return folder, target


def write_error(exc: OSError, path: str) -> BasisFileError:
    """One line for an error of the write itself (h5py's messages run over lines)."""
    if exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return BasisFileError(f"no space left on device: cannot write {path}")
    if exc.errno == errno.EDQUOT or "quota exceeded" in str(exc).lower():
        return BasisFileError(f"disk quota exceeded: cannot write {path}")
    text = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return BasisFileError(f"cannot write {path}: {text}")


#: HDF5's own structures (headers, chunk index): generous, so that a check that passes
#: leaves room for them
_FILE_OVERHEAD = 64 << 10
_INDEX_OVERHEAD = 0.01


_SOURCE_ENTRY_BYTES = 20


def _payload_bytes(data: dict) -> int:
    if _is_coo_source(data.get("basis")):  # int32 x 3, float64 (exact: int64 x 2 more)
        source = data["basis"]
        arrays, total = [], source.nnz * (_SOURCE_ENTRY_BYTES + 16 * bool(source.exact))
    else:
        arrays = ([data["pattern"]] if "pattern" in data else
                  list(data["basis"].values()) if "basis" in data else [])
        total = 0
    arrays += [a for coo in (data["generators"] or {}).values() for a in coo.values()
               if isinstance(a, np.ndarray)]
    arrays += list(data.get("partitions", {}).values())
    total += sum(_nbytes(a) for a in arrays)
    return int(total * (1 + _INDEX_OVERHEAD)) + _FILE_OVERHEAD


def _nbytes(a) -> int:
    if isinstance(a, np.ndarray) and a.dtype != object:
        return a.nbytes
    if isinstance(a, np.ndarray):  # decimal strings of huge exact values
        return sum(len(str(x)) + 16 for x in a.flat)
    return int(np.prod(a.shape, dtype=object)) * np.dtype(a.dtype).itemsize  # a source


def _check_disk_space(folder: str, need: int) -> None:
    try:
        free = _free_space(folder)
    except OSError:
        return  # cannot tell: the write itself will fail cleanly if it must
    if need > free:
        raise BasisFileError(f"not enough disk space in {folder}: the file needs about "
                             f"{human(need)}, {human(free)} free")


def _room(ds: h5py.Dataset, nbytes: int) -> None:
    """Stop (ENOSPC) before libhdf5 writes ``nbytes`` more to a disk file that lacks
    the room: it survives a full disk badly (see _IMAGE_BYTES)."""
    if ds.file.driver != "sec2":  # an image in memory
        return
    free = _free_space_or_none(os.path.dirname(os.path.abspath(ds.file.filename)))
    if free is not None and free < nbytes + _SPACE_MARGIN:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _free_space_or_none(folder: str) -> int | None:
    try:
        return _free_space(folder)
    except OSError:
        return None


def _free_space(folder: str) -> int:
    """Bytes free to this user, as shutil.disk_usage reads them (without importing it)."""
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def cannot_write(folder: str, exc: OSError) -> BasisFileError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return write_error(exc, folder)
    return BasisFileError(f"cannot write to folder: {folder} ({exc.strerror})")


#: files up to this size (before compression) are built whole in memory and then
#: written with os.write: libhdf5 never meets a full disk, which it survives badly (a
#: failed metadata flush leaves the file half closed and crashes the process)
_IMAGE_BYTES = 64 << 20
#: larger files are written by libhdf5; it stops before the disk is this close to full
_SPACE_MARGIN = 4 << 20


def _write_file(tmp: str, basis: WritableBasis, data: dict, compression, report,
                written: dict) -> None:
    """Write the file; ``written`` receives its root attributes (``save`` returns them)."""
    if _payload_bytes(data) <= _IMAGE_BYTES:
        with _hdf5_image() as (f, image):
            _write_contents(f, basis, data, compression, report, written)
        _write_bytes(tmp, image[0])
        return
    with _hdf5_file(tmp) as f:
        _write_contents(f, basis, data, compression, report, written)
    # Durability: the rename must not reach the disk before the contents do.
    _fsync(tmp, os.O_RDWR)


def _write_contents(f: h5py.File, basis: WritableBasis, data: dict, compression, report,
                    written: dict) -> None:
    _write_attributes(f, basis, written)
    if "pattern" in data:
        _write_pattern(f, data["pattern"], compression, int(basis.n_basis), report)
    elif "basis" in data and _is_coo_source(data["basis"]):
        _write_coo_source(_new_group(f, "basis"), data["basis"], compression, basis,
                          written)
    elif "basis" in data:
        _write_coo(_new_group(f, "basis"), data["basis"], compression, "basis")
    if data["generators"] is not None:
        dims = {"in": int(basis.dim_in), "out": int(basis.dim_out)}
        write_generators(_new_group(f, "generators"), data["generators"], compression,
                          dims)
    if "partitions" in data:
        _write_partitions(f.create_group("partitions"), data["partitions"])


@contextlib.contextmanager
def _hdf5_image():
    """An HDF5 file in memory (the core driver without a backing store); when the block
    ends, ``image[0]`` holds its bytes."""
    image = [b""]
    f = h5py.File(f"intertwine-image-{id(image)}.h5", "w", driver="core",
                  backing_store=False)
    try:
        yield f, image
        f.flush()
        image[0] = f.id.get_file_image()
    finally:
        with contextlib.suppress(Exception):
            f.close()


def _write_bytes(path: str, data: bytes) -> None:
    """``data`` into the (empty) file ``path``, then to the disk: a full disk is an
    OSError here, as for any other file."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            interrupt.checkpoint()
            view = view[os.write(fd, view[:_WRITE_BYTES]):]
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _hdf5_file(tmp: str):
    """``h5py.File(tmp, "w")``, closed safely also when the write fails (_abandon)."""
    f = h5py.File(tmp, "w")
    # asked now: once a close has failed, the file is half closed inside libhdf5 and
    # asking for its descriptor dereferences freed memory (a segmentation fault)
    fd = _vfd_handle(f)
    try:
        yield f
        free = _free_space_or_none(os.path.dirname(tmp))
        if free is not None and free < _SPACE_MARGIN:  # the flush at close needs room
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        f.close()  # flushes HDF5's caches: a full disk may show only here
    except BaseException as exc:
        _abandon(f, fd)
        if isinstance(exc, RuntimeError):  # libhdf5's flush on close: an OSError it is
            raise _as_os_error(exc) from exc
        raise


def _as_os_error(exc: RuntimeError) -> OSError:
    """libhdf5 reports a failed write at close as RuntimeError, "... errno = 28, error
    message = 'No space left on device' ..."; the errno it names, as an OSError."""
    text = str(exc)
    for code in (errno.ENOSPC, errno.EDQUOT):
        if f"errno = {code}," in text or os.strerror(code) in text:
            return OSError(code, os.strerror(code))
    return OSError(errno.EIO, (text.strip().splitlines() or ["HDF5 write failed"])[0])


def _vfd_handle(f: h5py.File) -> int | None:
    """The POSIX descriptor of HDF5's default driver, None if there is none."""
    with contextlib.suppress(Exception):
        fd = f.id.get_vfd_handle()
        if isinstance(fd, int) and fd >= 0:
            return fd
    return None


def _abandon(f: h5py.File, fd: int | None) -> None:
    """Close a file whose write failed or was interrupted, writing nothing more.

    Closing flushes HDF5's caches.  On a full disk that flush fails as well, the file
    stays open inside libhdf5, and libhdf5 closing it again at exit crashes the process
    (a segmentation fault, after "Exception ignored" tracebacks).  The temporary file is
    about to be removed anyway, so HDF5's descriptor is first pointed at /dev/null: the
    flush then succeeds without touching the disk (and an interrupted write does not
    wait for it)."""
    if fd is not None:
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
    with contextlib.suppress(Exception):
        if f.id.valid:
            f.close()


def _sync_folder(folder: str) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not possible on every platform
        _fsync(folder, os.O_RDONLY)


def _fsync(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- checking and converting the Basis object -------------------------------------------

def _prepare(basis: WritableBasis) -> dict:
    """The arrays to write, after checking that a reader will accept them."""
    dim_in, dim_out, n = int(basis.dim_in), int(basis.dim_out), int(basis.n_basis)
    if min(dim_in, dim_out, n) < 0 or n > dim_in * dim_out:
        raise ValueError(f"inconsistent sizes: n_basis={n}, dim_in={dim_in}, "
                         f"dim_out={dim_out}")
    _extra_attributes(basis.attrs)
    data = {}
    if basis.partitions is not None:
        data["partitions"] = _checked_partitions(basis.partitions, n)
    if basis.pattern is not None:
        data["pattern"] = _checked_pattern(basis.pattern, dim_out, dim_in, n)
    elif _is_coo_source(basis.coo):  # checked block by block while writing
        data["basis"] = basis.coo
    elif basis.coo is not None:
        data["basis"] = _basis_coo(basis.coo, basis.exact, (n, dim_out, dim_in))
    elif basis.partitions is None:
        raise ValueError("basis has neither a pattern nor coo entries")
    # a partitions-only file holds no n-sized array: its generators follow from its spec
    data["generators"] = (None if basis.encoding == "partitions" else
                          generator_coos(basis.generators, dim_in, dim_out))
    return data


def _is_coo_source(coo) -> bool:
    """A coo source (``solvers.exact.ExactCooSource``): ``nnz``, ``numerator_dtype`` and
    ``blocks()`` yielding ``Coo`` blocks that, concatenated, are the basis's entries."""
    return hasattr(coo, "blocks")


def _checked_partitions(partitions, n: int) -> dict:
    labels, summand = np.asarray(partitions.labels), np.asarray(partitions.summand)
    if labels.ndim != 2 or labels.shape[0] != n or (labels.size and labels.dtype.kind != "i"):
        raise ValueError(f"partition labels must be signed integers of shape ({n}, slots)")
    if summand.shape != (n, 2) or (summand.size and summand.dtype.kind not in "iu"):
        raise ValueError(f"partition summands must be integers of shape ({n}, 2)")
    if labels.size and (labels.min() < -1 or labels.max() >= labels.shape[1]):
        raise ValueError("partition labels must lie in [-1, slots)")
    _check_range(summand, 1 << 31, "partition summands")
    return {"labels": labels.astype(pattern_dtype(labels.shape[1])),
            "summand": summand.astype(np.int32 if summand.size and summand.max() >= 127
                                      else np.int8)}


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
        # at least int32: readers compute row * dim_in + col, which overflows in int8/int16
        out[key] = a.astype(np.int32 if stop < 2**31 else np.int64, copy=False)
    out["value"] = value
    return out


def _basis_coo(coo: Coo, exact: bool, shape: tuple[int, int, int]) -> dict:
    out = _coo_arrays(coo.index, coo.row, coo.col, coo.value, shape, "coo")
    if shape[0] > len(out["index"]):  # readers refuse it: some element would be zero
        raise ValueError(f"n_basis is {shape[0]} but the coo basis has only "
                         f"{len(out['index'])} entries")
    if not exact:
        return out
    if getattr(coo, "square_numerator", None) is not None:
        return _square_values(coo, out)
    num, den = coo.numerator, coo.denominator
    if num is None:
        num, den = _integral_numerators(out["value"]), None
    num = _exact_array(num, "numerator")
    den = np.ones(len(num), np.int64) if den is None else _exact_array(den, "denominator")
    if not len(num) == len(den) == len(out["value"]):
        raise ValueError("coo numerator and denominator must have one entry per value")
    if den.size and not (den > 0).all():
        raise ValueError("coo denominators must be positive")
    out["numerator"], out["denominator"] = stored_exact(num), stored_exact(den)
    return out


def _square_values(coo: Coo, out: dict) -> dict:
    """Exact values that are square roots (see the file format in docs/irreps.rst):
    value = sign(a) sqrt(|a| / b), a = square_numerator, b = square_denominator."""
    a = _exact_array(coo.square_numerator, "square_numerator")
    b = _exact_array(coo.square_denominator, "square_denominator")
    if not len(a) == len(b) == len(out["value"]):
        raise ValueError("coo square numerators and denominators must have one entry per "
                         "value")
    if b.size and not (b > 0).all():
        raise ValueError("coo square denominators must be positive")
    square = (a / b).astype(np.float64)
    if not np.allclose(out["value"] * np.abs(out["value"]), square, rtol=1e-12, atol=0):
        raise ValueError("coo values disagree with their squares")
    out["square_numerator"], out["square_denominator"] = stored_exact(a), stored_exact(b)
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


def stored_exact(a: np.ndarray) -> np.ndarray:
    """int64 when every number fits, else decimal strings (docs/format.rst)."""
    with contextlib.suppress(OverflowError):
        if a.dtype.kind != "u" or a.size == 0 or a.max() <= np.iinfo(np.int64).max:
            return a.astype(np.int64)  # raises OverflowError for too large Python ints
    return np.frompyfunc(str, 1, 1)(a.astype(object)).astype(object)


def generator_coos(gens: GeneratorLists, dim_in: int, dim_out: int) -> dict:
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
    keep = value != 0  # the file format forbids explicit zeros
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

def _write_attributes(f: h5py.File, basis: WritableBasis, written: dict) -> None:
    from .. import __version__

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
        written[key] = attribute_as_read(value)
    _write_extra_attributes(f, basis.attrs, written)


def _write_extra_attributes(f: h5py.File, attrs: dict, written: dict) -> None:
    for key, value in attrs.items():
        if key not in REQUIRED:  # extras never override the required attributes
            f.attrs[key] = value = np.bool_(value) if isinstance(value, bool) else value
            if (as_read := attribute_as_read(value)) is not UNREAD:
                written[key] = as_read


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


def _write_pattern(f: h5py.File, pattern, compression, n_basis: int, report) -> None:
    shape, dtype = tuple(pattern.shape), np.dtype(pattern.dtype)
    size = shape[0] * shape[1]
    big = size > _CHUNK_THRESHOLD or (compression and size)
    chunks = _pattern_chunks(shape, dtype.itemsize) if big else None
    ds = _describe(f.create_dataset("pattern", shape=shape, dtype=dtype, chunks=chunks,
                                    **_filters(compression if chunks else None)), "pattern")
    if chunks is None:
        rows_per_write = max(1, shape[0])
    else:
        rows_per_write = max(1, _band_bytes() // max(1, shape[1] * dtype.itemsize))
        rows_per_write = max(chunks[0], rows_per_write - rows_per_write % chunks[0])
    band = None if not _is_source(pattern) else \
        np.empty((min(rows_per_write, shape[0]), shape[1]), dtype)
    for start in range(0, shape[0], rows_per_write):  # bands: memory is one band
        stop = min(start + rows_per_write, shape[0])
        if band is None:  # an array: blocks, not entries
            rows = pattern[start:stop]
        else:
            rows = band[:stop - start]
            pattern.fill(start, stop, rows)
            if rows.size and (rows.min() < -1 or rows.max() >= n_basis):
                raise ValueError(f"pattern values must lie in [-1, {n_basis})")
        _room(ds, rows.nbytes)
        ds[start:stop] = rows
        interrupt.checkpoint()  # Ctrl-C / SIGTERM act between bands (interrupt.py)
        if report:
            report(stop, shape[0])


def _band_bytes() -> int:
    """Bytes of pattern rows written at once: a pattern source holds no more than this
    (at least one chunk's rows) in memory, a small part of the memory budget."""
    return max(1, min(_WRITE_BYTES, max_bytes() // 8))


def _write_coo(group: h5py.Group, arrays: dict, compression, name: str) -> None:
    for key, a in arrays.items():
        if key == "count":
            group.attrs["count"] = int(a)
            continue
        dtype = h5py.string_dtype() if a.dtype == object else a.dtype
        _describe(group.create_dataset(key, data=a, dtype=dtype,
                                       **_filters(compression if a.size else None)),
                  f"{name}/{key}")
        interrupt.checkpoint()


_PARTITION_NOTES = {
    "labels": "row m: the set partition of the tensor slots (output slots, then input "
              "slots) at B_m's leading position; equal labels = same factor and equal "
              "index; numbered by first appearance; -1 pads summands with fewer slots. "
              "B_m is 1 exactly where the index equalities are those of row m "
              "(intertwine contract 5.3)",
    "summand": "row m: (output summand, input summand) that B_m lies in, 0-based",
}


def _write_partitions(group: h5py.Group, arrays: dict) -> None:
    for key, a in arrays.items():  # tiny: never chunked or compressed
        group.create_dataset(key, data=a).attrs["description"] = _PARTITION_NOTES[key]


#: self-describing ``description`` attributes, so that ``h5dump`` alone explains a file
_DESCRIPTIONS = {
    "pattern": "pattern[i, j] = k: basis element B_k is 1 at (i, j), every other B_m is 0 "
               "there; -1: every B_k is 0 at (i, j). Shape (dim_out, dim_in): i indexes "
               "rep_out, j rep_in, in the spec's row-major coordinates. A layer's weight "
               "is W = sum_k w_k B_k, i.e. W[i, j] = w[pattern[i, j]] (0 where -1).",
    "basis": "Basis elements B_0..B_{n_basis-1} of shape (dim_out, dim_in) as coo "
             "entries: B_index[row, col] = value (row indexes rep_out, col rep_in, in the "
             "spec's row-major coordinates); entries absent are 0.",
    "basis/index": "basis element number k of each entry, 0 <= k < n_basis",
    "basis/row": "output coordinate of each entry, 0 <= row < dim_out",
    "basis/col": "input coordinate of each entry, 0 <= col < dim_in",
    "basis/value": "value of each entry (float64)",
    "basis/numerator": "value = numerator / denominator exactly (int64 or decimal strings)",
    "basis/denominator": "positive; value = numerator / denominator exactly",
    "basis/square_numerator": "sign(value) * a where value = sign(a) * sqrt(a / b) exactly "
                              "(int64 or decimal strings)",
    "basis/square_denominator": "b, positive: value = sign(a) * sqrt(|a| / b) exactly",
    "generators": "Representation matrices of the group's generators, to check the file: "
                  "rho_out(g) B_k = B_k rho_in(g) for each discrete generator g (in, out) "
                  "and drho_out(A) B_k = B_k drho_in(A) for each Lie-algebra generator A "
                  "(lie_in, lie_out).",
}
_GENERATOR_DESCRIPTION = ("coo entries of {count} matrices of shape ({dim}, {dim}): matrix "
                          "index[e] has value[e] at (row[e], col[e]); generator number "
                          "index is the same in 'in' and 'out'")


def _new_group(f: h5py.File, name: str) -> h5py.Group:
    return _describe(f.create_group(name), name)


def _describe(obj, name: str):
    """Give the object just created as ``name`` its description, if it has one (set at
    creation: looking objects up again to describe them took a small file 3 ms)."""
    text = _DESCRIPTIONS.get(name)
    if text is not None:
        obj.attrs["description"] = text
    return obj


def _write_coo_source(group: h5py.Group, source, compression, basis: WritableBasis,
                      written: dict) -> None:
    """Datasets of the final length, filled block by block (each checked as a whole coo
    would be); memory is one block."""
    shape = (int(basis.n_basis), int(basis.dim_out), int(basis.dim_in))
    from .ahead import ahead  # threads and queues: only for the large streamed bases

    nnz, datasets, at = int(source.nnz), {}, 0
    chunk = (min(nnz, 1 << 18),) if nnz else None
    for block in ahead(source.blocks()):  # the next block is expanded during this write
        arrays = _basis_coo(block, source.exact, shape)
        if not datasets:
            for key, a in arrays.items():
                datasets[key] = _describe(group.create_dataset(
                    key, shape=(nnz,), dtype=a.dtype, chunks=chunk, **_filters(compression)),
                    f"basis/{key}")
        n = len(arrays["value"])
        if at + n > nnz:
            raise ValueError("coo source gave more entries than it announced")
        _room(datasets["value"], sum(a.nbytes for a in arrays.values()))
        for key, a in arrays.items():
            datasets[key][at:at + n] = a
        at += n
        interrupt.checkpoint()
    if at != nnz:
        raise ValueError("coo source gave fewer entries than it announced")
    # what the source learnt while it was expanded (a numeric basis: its residuals,
    # and it raises here, before the rename, if they fail)
    final = getattr(source, "final_attributes", None)
    if final is not None:
        attrs = final()
        _extra_attributes(attrs)  # checked as the basis' own attributes were
        _write_extra_attributes(group.file, attrs, written)


def write_generators(group: h5py.Group, coos: dict, compression, dims: dict) -> None:
    for kind, arrays in coos.items():
        sub = group.create_group(kind)
        _write_coo(sub, arrays, compression, f"generators/{kind}")
        sub.attrs["description"] = _GENERATOR_DESCRIPTION.format(
            count=int(arrays.get("count", 0)), dim=dims[kind.removeprefix("lie_")])
