"""When may ``batch`` skip an entry?  Only when the file on disk is provably right.

Right after writing a file, the worker loads it again with :func:`intertwine.io.load`
(HDF5 opens it, so it is not truncated; every dataset is present, of the right shape and
type, read to its end and range-checked) and records the file's size and SHA-256 together
with the root attributes it read back.  Later, the file is up to date when

- its record's attributes give the entry's canonical spec, the method that would run
  now (for ``auto``: what :func:`intertwine.solvers.choose_method` picks today), this
  reader's ``format_version`` and this very ``intertwine_version``, and
- the file's bytes still have the recorded size and SHA-256: it is byte for byte the
  file that read back whole, so it still does.

The checksum is what makes the check both cheap and strict: loading every file again on
each run costs milliseconds per file, and even a full load would miss a flipped bit in a
value that stays in range, which the checksum does not; and no HDF5 file is opened.
A file without a record (written by ``intertwine basis``, copied in, or the record
lost) is recomputed; so is any file whose record does not match.  Every doubt costs a
recomputation, never a wrong file.

**One record per file**, ``DIR/.intertwine-batch/NAME.h5.json``, so that records merge
the way the files do: the out-dirs of several ``--shard`` runs copied into one folder
(``cp -r``, a CI artifact download) bring every file's record along, and a later run
over the whole manifest finds all of them up to date.

**Concurrent runs** on one folder (docs/batch.rst) may both write the same file.  A record
is written only under an exclusive lock on ``DIR/.intertwine-batch/lock`` (``fcntl.flock``:
no extra package, released by the kernel if its holder dies, and understood by NFS
clients), and only if the file at the path is still the very file that was hashed (same
inode, size and modification time): so the record left last always describes the file
on disk, whichever run renamed its file last.  A run that cannot take the lock within
:data:`LOCK_WAIT_SECONDS` (a stopped process holding it) fails with a usage error.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import time
from pathlib import Path

from .. import __version__
from ..io import FORMAT_VERSION
from ..runtime.atomic import atomic_path
from .manifest import Entry

__all__ = ["RECORD_DIR", "LOCK_WAIT_SECONDS", "Records", "RecordsUnusable", "fingerprint",
           "check_up_to_date", "record_path"]

RECORD_DIR = ".intertwine-batch"
_LOCK_FILE = "lock"
_RECORD_FORMAT = "intertwine.batch-record"
LOCK_WAIT_SECONDS = 60.0
_LOCK_POLL_SECONDS = 0.02


class RecordsUnusable(ValueError):
    """The record folder or its lock cannot be used (a usage error, exit status 2)."""


def record_path(folder, filename: str) -> Path:
    return Path(folder) / RECORD_DIR / f"{filename}.json"


def fingerprint(path) -> dict:
    """Size and SHA-256 of the file at ``path``, and which file that was (``identity``:
    inode, size and modification time, taken from the very descriptor that was hashed)."""
    with open(path, "rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
        st = os.fstat(f.fileno())
    return {"size": st.st_size, "sha256": sha, "identity": _identity(st)}


def _identity(st: os.stat_result) -> list[int]:
    # no st_dev: on a shared filesystem it differs between the machine that wrote the
    # file (a Dask worker) and the one that records it
    return [st.st_ino, st.st_size, st.st_mtime_ns]


class Records:
    """The records of one output folder: file name -> size, SHA-256 and attributes.

    Only the main process (the Dask client) writes them, each atomically, as each entry
    finishes, so that an interrupted run keeps what it finished.  A record that cannot
    be read counts as missing (the file is recomputed).
    """

    def __init__(self, folder: Path, lock_wait: float = LOCK_WAIT_SECONDS):
        self.folder = Path(folder)
        self.lock_wait = lock_wait
        self._lock_fd = None
        where = self.folder / RECORD_DIR
        if where.exists() and not where.is_dir():
            raise RecordsUnusable(f"{where} is in the way: batch keeps its records in a "
                                  "folder of that name")
        # created when a record is first written: a run that only finds files up to
        # date also works in a folder it may not write (a read-only cache)

    def _lock(self) -> int:
        if self._lock_fd is None:
            where = self.folder / RECORD_DIR
            try:
                where.mkdir(exist_ok=True)
                self._lock_fd = os.open(where / _LOCK_FILE,
                                        os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as e:
                raise RecordsUnusable(f"cannot use the record folder {where}: "
                                      f"{e.strerror or e}") from None
        return self._lock_fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def get(self, filename: str) -> dict | None:
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads(record_path(self.folder, filename).read_text("utf-8"))
            if data.get("format") == _RECORD_FORMAT and data.get("file") == filename:
                return data
        return None

    def set(self, filename: str, record: dict) -> bool:
        """Record ``filename`` if it is still the file ``record["identity"]`` names;
        False if it is not (another run replaced it since: its record is that run's).
        OSError if the record cannot be written."""
        data = {k: v for k, v in record.items() if k != "identity"}
        text = json.dumps({"format": _RECORD_FORMAT, "file": filename, **data}, indent=1,
                          sort_keys=True)
        with self.locked():
            try:
                now = _identity(os.stat(self.folder / filename))
            except OSError:
                return False
            if now != record.get("identity"):
                return False
            with atomic_path(record_path(self.folder, filename)) as tmp, \
                    open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
        return True

    @contextlib.contextmanager
    def locked(self):
        """Hold the folder's record lock (waiting at most ``lock_wait`` seconds)."""
        fd = self._lock()
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise RecordsUnusable(f"cannot lock {self.folder / RECORD_DIR}: "
                                          f"{e.strerror}") from None
                if time.monotonic() > deadline:
                    raise RecordsUnusable(
                        f"another batch run has held {self.folder / RECORD_DIR / _LOCK_FILE} "
                        f"for over {self.lock_wait:g} s; is it stopped?") from None
                time.sleep(_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


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
        if fingerprint(path)["sha256"] != record.get("sha256"):
            return None
    except OSError:
        return None
    return record
