"""Atomic output: every file intertwine writes appears whole or not at all.

The content goes to a temporary file in the destination folder (so the final rename
stays within one file system) and is renamed over the target only when complete.  Any
exception -- also KeyboardInterrupt, and the SystemExit that SIGTERM raises (see
:mod:`intertwine.runtime.interrupt`) -- removes the temporary file.  Ctrl-C and SIGTERM are
deferred while the block runs: the writer delivers them between two steps
(``interrupt.checkpoint``), and one that came during the write is delivered before the
rename, so an interrupted write leaves an existing file untouched.

The destination is checked first: a symbolic link is written through (its target is
replaced, with the temporary file in the target's folder), and a path that exists but is
not a regular file (a folder, a device such as ``/dev/null``, a FIFO, a socket) is
refused: replacing a device by a file, or writing a file "into" a pipe, is never what
was meant.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator

from . import interrupt

__all__ = ["OutputPathError", "atomic_path", "output_target", "remove_stale_temporaries",
           "remove_temporaries", "run_tag", "tagged", "umask"]

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
_tag = ""  # see tagged()


class OutputPathError(ValueError):
    """The output path exists but is not a regular file (or a link to one)."""


def output_target(path: str | os.PathLike) -> str:
    """The file that writing to ``path`` replaces: absolute, symbolic links followed.

    Raises :class:`OutputPathError` if it exists and is not a regular file.
    """
    shown = os.fsdecode(path)
    target = os.path.realpath(os.path.abspath(shown))
    try:  # the path itself, resolved by the kernel: /dev/stdout is a link to "pipe:[..]"
        mode = os.stat(shown).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputPathError(f"symbolic link loop: {shown}") from None
        return target  # missing (or unreadable): creating the file says what is wrong
    if stat.S_ISDIR(mode):
        raise OutputPathError(f"is a folder, not a file: {shown}")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise OutputPathError(f"will not write to {shown}: it is {kind}, not a regular file")
    return target


@contextlib.contextmanager
def tagged(tag: str) -> Iterator[None]:
    """Name the temporary files created in this block with ``tag`` (one run's), so that
    the run can later remove its own leftovers, and never another run's."""
    global _tag
    previous, _tag = _tag, tag
    try:
        yield
    finally:
        _tag = previous


def run_tag() -> str:
    """A tag unique to one run, also among runs on other machines sharing a folder: it
    names this host and process (see :func:`remove_stale_temporaries`)."""
    import secrets  # batch runs only: hashlib and hmac cost a single basis 4 ms

    return f"{_writer()}-{secrets.token_hex(3)}"


def _writer() -> str:
    """``HOST-PID`` of this process, the host's name cut to letters, digits and _."""
    host = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_"
                   for c in os.uname().nodename[:64]) or "_"
    return f"{host}-{os.getpid()}"


def _prefix(name: str, tag: str) -> str:
    # the name is shortened so that prefix + tag + random part stays within NAME_MAX;
    # an untagged write is tagged with its writer, so that its leftovers can be removed
    return f".{name[:200]}.{tag or _writer()}."


#: ``.NAME.HOST-PID[-RUN].RANDOM.tmp``: a temporary file and the process that wrote it
_TEMPORARY = None


def remove_stale_temporaries(folder: str | os.PathLike, name: str | None = None) -> list[str]:
    """Remove the temporary files in ``folder`` (of output ``name``, or all) whose writer
    is provably gone: written on this host by a process that no longer exists (a run
    that was SIGKILLed cannot remove its own).  Returns the names removed."""
    import glob
    import re

    global _TEMPORARY
    if _TEMPORARY is None:
        _TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<host>\w+)-(?P<pid>\d{1,10})"
                                r"(?:-[0-9a-f]+)?\.[0-9a-f]{12}\.tmp", re.ASCII)
    folder = os.fsdecode(folder)
    host = _writer().rpartition("-")[0]
    pattern = (glob.escape(f".{name[:200]}.") if name else ".") + "*.tmp"
    removed = []
    for path in glob.glob(os.path.join(glob.escape(folder), pattern), include_hidden=True):
        found = _TEMPORARY.fullmatch(os.path.basename(path))
        if not found or found["host"] != host or _alive(int(found["pid"])):
            continue
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            os.unlink(path)
        except OSError:
            continue
        removed.append(os.path.basename(path))
    return sorted(removed)


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (this one included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # EPERM: it exists, another user's
        return True
    return True


def remove_temporaries(path: str | os.PathLike, tag: str) -> None:
    """Remove the temporary files of ``path`` that a run tagged ``tag`` left behind (a
    killed process cannot remove its own)."""
    import glob  # batch runs only

    folder, name = os.path.split(os.path.realpath(os.fsdecode(path)))  # never raises
    pattern = glob.escape(_prefix(name, tag)) + "*.tmp"
    for tmp in glob.glob(os.path.join(glob.escape(folder), pattern)):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, on_create_error=None) -> Iterator[str]:
    """Yield a temporary path next to ``path``'s target; rename it over the target when
    the block ends.

    ``on_create_error(folder, exc)`` may return the exception to raise when the temporary
    file cannot be created (e.g. a folder without write permission).
    """
    target = output_target(path)
    folder, name = os.path.split(target)
    with interrupt.deferred():
        try:
            tmp = _create_temporary(folder, _prefix(name, _tag))
        except OSError as exc:
            if on_create_error is None:
                raise
            raise on_create_error(folder, exc) from exc
        try:
            yield tmp
            interrupt.checkpoint()  # interrupted during the write: the old file stays
            # created with mode 0600; outputs are as shareable as any other file.
            os.chmod(tmp, 0o666 & ~umask())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _create_temporary(folder: str, prefix: str) -> str:
    """Create an empty file ``prefix`` + random + ``.tmp`` in ``folder``, as
    ``tempfile.mkstemp`` does: mode 0600, O_EXCL (never an existing file, nor a link
    planted under that name).  Importing tempfile (with shutil, random and hashlib)
    would cost every ``intertwine basis`` 4-6 ms, a few per cent of a small one."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        path = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}.tmp")
        try:
            os.close(os.open(path, flags, 0o600))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def umask() -> int:
    """The process's umask, read without changing it where /proc allows."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
