"""When may ``batch`` skip an entry?  Only when the file on disk is provably right.

Right after writing a file, the worker loads it again with :func:`intertwine.io.load`
(HDF5 opens it, so it is not truncated; every dataset is present, of the right shape and
type, read to its end and range-checked) and records, in the folder's record file
``.intertwine-batch.json``, the file's size and SHA-256 together with the root
attributes it read back.  Later, the file is up to date when

- its record's attributes give the entry's canonical spec, the method that would run
  now (for ``auto``: what :func:`intertwine.solvers.choose_method` picks today), this
  reader's ``format_version`` and this very ``intertwine_version``, and
- the file's bytes still have the recorded size and SHA-256: it is byte for byte the
  file that read back whole, so it still does.

The checksum is what makes the check both cheap and strict: loading every file again on
each run costs milliseconds per file, and even a full load would miss a flipped bit in a
value that stays in range, which the checksum does not; and no HDF5 file is opened.
A file without a record (written by ``intertwine basis``, copied in, or the record file
lost) is recomputed; so is any file whose record does not match.  Every doubt costs a
recomputation, never a wrong file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..atomic import atomic_path
from ..io import FORMAT_VERSION
from .manifest import Entry

__all__ = ["RECORD_FILE", "Records", "file_sha256", "check_up_to_date"]

RECORD_FILE = ".intertwine-batch.json"
_RECORD_FORMAT = "intertwine.batch-records"


def file_sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Records:
    """The record file of one output folder: file name -> size and SHA-256 when written.

    Only the main process writes it, atomically, after each finished entry, so that an
    interrupted run keeps what it finished.  A record file that cannot be read counts as
    empty (everything is recomputed).
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / RECORD_FILE
        self.files: dict[str, dict] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads(self.path.read_text("utf-8"))
            if data.get("format") == _RECORD_FORMAT and isinstance(data.get("files"), dict):
                self.files = {k: v for k, v in data["files"].items() if isinstance(v, dict)}

    def get(self, filename: str) -> dict | None:
        return self.files.get(filename)

    def set(self, filename: str, record: dict | None) -> None:
        if record is None:
            self.files.pop(filename, None)
        else:
            self.files[filename] = record
        self._write()

    def _write(self) -> None:
        text = json.dumps({"format": _RECORD_FORMAT, "files": self.files}, indent=1,
                          sort_keys=True)
        with atomic_path(self.path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def check_up_to_date(entry: Entry, path: Path, records: Records) -> dict | None:
    """The file's record if the file is up to date for ``entry``, else None."""
    record = records.get(entry.filename)
    if record is None:
        return None
    wanted = {"spec": entry.spec, "method": entry.chosen, "format_version": FORMAT_VERSION,
              "intertwine_version": __version__}
    if any(record.get(key) != value for key, value in wanted.items()):
        return None
    try:
        if os.stat(path).st_size != record.get("size"):  # cheap first: no hashing
            return None
        if file_sha256(path) != record.get("sha256"):
            return None
    except OSError:
        return None
    return record
