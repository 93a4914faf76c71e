"""Atomic output: every file intertwine writes appears whole or not at all.

The content goes to a temporary file in the destination folder (so the final rename
stays within one file system) and is renamed over the target only when complete.  Any
exception -- also KeyboardInterrupt, and SystemExit raised by the SIGTERM handler --
removes the temporary file.  Ctrl-C and SIGTERM are held back while the temporary file
is created and its name recorded, so no signal can land between the two and orphan it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator

__all__ = ["atomic_path", "umask"]

_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, on_create_error=None) -> Iterator[str]:
    """Yield a temporary path next to ``path``; rename it over ``path`` when the block ends.

    ``on_create_error(folder, exc)`` may return the exception to raise when the temporary
    file cannot be created (e.g. a folder without write permission).
    """
    folder, name = os.path.split(os.path.abspath(os.fsdecode(path)))
    hold = hasattr(signal, "pthread_sigmask")
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if hold else None
    tmp = None
    try:
        try:  # the name is shortened so that prefix + random part stays within NAME_MAX
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:200]}.", suffix=".tmp")
        except OSError as exc:
            if on_create_error is None:
                raise
            raise on_create_error(folder, exc) from exc
        os.close(fd)
        if hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            hold = False
        yield tmp
        # mkstemp creates mode 0600; outputs are as shareable as any other file.
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        if hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
