"""Reading and writing basis files (HDF5, as docs/format.rst specifies them).

A basis file outlives the program that wrote it: it is shared, cached, downloaded and
opened by other tools, so both directions are defensive.

Writing is atomic.  The file is built under a temporary name in the destination folder
and renamed over the target only once complete, so a crash, Ctrl-C or SIGTERM leaves
either the old file or the new one, never a torn one.  Only filters built into libhdf5
are used, so any HDF5 reader can open the result.

Reading treats the file as possibly corrupt or hostile.  Shapes and types are checked
against the root attributes, and the memory a read would need is bounded (``budget``),
before any dataset is read; links, external storage and virtual datasets, through which
a file could make us read other files, are refused; values are range-checked after
reading.  Every failure is a :class:`BasisFileError` with a one-line message, which the
command line reports as a usage error instead of a traceback.

``write.py`` holds ``save``, ``read.py`` ``load`` and ``read_attributes``, ``common.py``
what both share (the format's names, the errors); the memory budget is
``intertwine.budget``.
"""

from __future__ import annotations

import sys
import types

from .. import budget
from ..budget import max_bytes as max_bytes
from .common import FORMAT, FORMAT_VERSION, BasisFileError, BasisFileNotFoundError
from .common import REQUIRED as REQUIRED
from .read import CooFile, PatternFile, load, read_attributes, read_partitions_summary

#: imported on first use (PEP 562): reading a file, as a layer does, needs no writer
_FROM_WRITE = ("save", "generator_coos", "_matrix_entries", "_pattern_chunks")


def __getattr__(name):
    if name == "write" or name in _FROM_WRITE:
        from importlib import import_module  # "from . import write" would come back here

        write = import_module(".write", __name__)
        value = write if name == "write" else getattr(write, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["BasisFileError", "BasisFileNotFoundError", "MAX_BYTES", "FORMAT",
           "FORMAT_VERSION", "CooFile", "PatternFile", "load", "read_attributes",
           "read_partitions_summary", "save"]

#: the tests' name for the budget's default (``budget.default_max_bytes``)
_default_max_bytes = budget.default_max_bytes


class _Module(types.ModuleType):
    """``intertwine.io.MAX_BYTES``, the memory budget's name in 0.2, reads and sets
    ``intertwine.budget`` (whose :func:`~intertwine.budget.limited` is the clearer way)."""

    @property
    def MAX_BYTES(self) -> int:  # noqa: N802 (a module constant's name)
        return budget.max_bytes()

    @MAX_BYTES.setter
    def MAX_BYTES(self, limit: int) -> None:  # noqa: N802
        budget.set_max_bytes(limit)


sys.modules[__name__].__class__ = _Module
