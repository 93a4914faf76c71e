"""What ``intertwine basis`` does, without click.

The click command (``cli.basis``) and the executable's plain-form fast path
(``launch``) both call :func:`write_basis`, so the two cannot drift apart.  Importing
click, building its command tree and parsing with it is about a tenth of a small
continuous basis' whole process, which is why this module stays free of it: click is
imported only for a progress bar on a terminal, which only large files show.

Errors a user can cause leave as :class:`Usage` (printed ``Error: ...``, exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Usage", "library_errors", "write_basis", "write_decomposition", "WriteProgress",
           "ZERO_SPACE", "out_of_memory", "say", "methods"]

ZERO_SPACE = "note: the space is zero-dimensional: W = 0 is the only equivariant map"


def methods() -> tuple[str, ...]:
    """What ``--method`` accepts: ``auto`` and the registered methods
    (``solvers.registry``), by preference."""
    from ..solvers.registry import choices

    return choices()


class Usage(Exception):
    """A usage problem, said in at most four lines: ``Error: ...`` and exit status 2."""

    exit_code = 2


@contextmanager
def library_errors():
    """Turn the library's ValueErrors (and OSErrors) into short usage errors."""
    from ..spec import SpecError

    try:
        yield
    except SpecError as e:
        pointer = e.pointer()
        raise Usage(f"invalid spec: {e}" + (f"\n{pointer}" if pointer else "")) from None
    except (ValueError, OSError) as e:
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:  # a report, a record
            where = f": cannot write {e.filename}" if e.filename else ""
            raise Usage(f"no space left on device{where}") from None
        from ..errors import TooLarge

        # one line; a refusal for size may explain itself and say what to do in three
        lines = str(e).strip().splitlines()[:3 if isinstance(e, TooLarge) else 1]
        raise Usage("\n".join(lines) if lines else repr(e)) from None


def write_basis(spec: str, output: str, method: str = "auto", tolerance: float | None = None,
                compress: bool = False, partitions_only: bool = False) -> None:
    """``intertwine basis``: compute, write ``output`` atomically, report on stdout."""
    from ..api import compute_to_file

    if output == "-":
        raise Usage("cannot write a basis file to stdout (-o -): HDF5 needs a "
                    "seekable file; give a file name (./- for a file named -)")
    out = Path(output)
    folder = os.path.dirname(os.path.realpath(out))  # a link's target's folder
    if not os.path.isdir(folder):
        shown = out.parent if folder == os.path.abspath(out.parent) else folder
        raise Usage(f"folder does not exist: {shown}")
    options = {} if tolerance is None else {"tolerance": tolerance}
    if partitions_only:
        options["partitions_only"] = True
    if tolerance is not None:
        _check_option("tolerance", method)
    from ..runtime.atomic import output_target, remove_stale_temporaries

    with contextlib.suppress(ValueError):  # a path that is no file: the write says so
        target = output_target(out)
        remove_stale_temporaries(os.path.dirname(target), os.path.basename(target))
    start = time.perf_counter()
    progress = WriteProgress(output, compress)
    with library_errors(), progress:
        from ..spec import parse_spec

        parsed = parse_spec(spec)  # once: the solver and the note below take it
        try:
            b = compute_to_file(parsed, out, method, compression="gzip" if compress else None,
                                progress=progress, **options)
        except ValueError as e:
            if _not_clear_cut(e):
                raise Usage(f"numeric solver: {e}; try --tolerance or --method exact") \
                    from None
            raise
    say(f"wrote {out}: {b['spec']}, {_elements(b['n_basis'])} of shape "
        f"({b['dim_out']}, {b['dim_in']}), method {b['method']}, encoding "
        f"{b['encoding']}, {time.perf_counter() - start:.2f} s")
    if b["n_basis"] == 0:
        say(ZERO_SPACE, err=True)
    if partitions_only:
        from ..partitions import Layout

        if not Layout.of(parsed).complete:
            say("note: n is smaller than the number of slots, so partitions with more "
                "blocks than n are missing; name n >= the slots for a file that "
                "serves every n", err=True)


def _check_option(option: str, method: str) -> None:
    """A solver's option given with a method that does not take it: a usage error."""
    from ..solvers import registry

    takes = [name for name in registry.names() if option in registry.method(name).options]
    if method not in takes:
        raise Usage(f"--{option} applies to --method {' or '.join(takes)} only")


def write_decomposition(field: str, output: str | None, method: str = "auto"):
    """``intertwine decompose``: the decomposition, written to ``output`` if given (a
    summary line on stderr); returns it."""
    from ..decomposition import decompose

    if output is not None:
        _check_output_folder(output, "a decomposition file")
    start = time.perf_counter()
    with library_errors():
        if output is None:  # the printed sum needs no change of basis
            from ..decomposition import irreps_only

            return irreps_only(field, method)
        d = decompose(field, method)
        d.save(output)
    if output is not None:
        say(f"wrote {output}: {d.spec} = {d.irreps_string}, Q {d.dim}x{d.dim}, method "
            f"{d.method}, {time.perf_counter() - start:.2f} s", err=True)
    return d


def _check_output_folder(output: str, what: str) -> None:
    if output == "-":
        raise Usage(f"cannot write {what} to stdout (-o -): HDF5 needs a seekable file; "
                    "give a file name (./- for a file named -)")
    out = Path(output)
    folder = os.path.dirname(os.path.realpath(out))
    if not os.path.isdir(folder):
        shown = out.parent if folder == os.path.abspath(out.parent) else folder
        raise Usage(f"folder does not exist: {shown}")


def say(text: str, err: bool = False) -> None:
    """A line on stdout (stderr), flushed: as click.echo writes one."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def _elements(n: int) -> str:
    return f"{n} basis element{'' if n == 1 else 's'}"


def _not_clear_cut(error: Exception) -> bool:
    """The numeric solver's NotClearCut, checked without importing that solver (scipy):
    if it was raised, its module is loaded."""
    numeric = sys.modules.get("intertwine.solvers.numeric")
    return numeric is not None and isinstance(error, numeric.NotClearCut)


class WriteProgress:
    """What ``basis`` shows while it writes, on stderr (stdout keeps the summary line).

    The size first when it exceeds 1 GB; then, if the pattern takes more than one band
    of rows, a progress bar on a terminal or a line per tenth (and for the first band)
    elsewhere, such as CI logs.
    """

    def __init__(self, output: str, compressed: bool):
        self.output, self.compressed = output, compressed
        self.bar, self.shown, self.tenth = None, 0, -1

    def __call__(self, done: int, total: int, nbytes: int) -> None:
        from ..budget import human

        if done == 0:
            if nbytes > 1e9:
                after = " before compression" if self.compressed else ""
                say(f"writing {self.output}: about {human(nbytes)}{after}", err=True)
            return
        if self.shown == 0 and done >= total:
            return  # one band: nothing to follow
        if sys.stderr.isatty():
            if self.bar is None:
                import click

                self.bar = click.progressbar(length=total, label=f"writing {self.output}",
                                             file=sys.stderr, show_percent=True)
                self.bar.__enter__()
            self.bar.update(done - self.shown)
        elif done * 10 // total > self.tenth:
            self.tenth = done * 10 // total
            say(f"writing {self.output}: {100 * done // total}% ({done:,} of "
                f"{total:,} rows)", err=True)
        self.shown = done

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def out_of_memory(error: BaseException) -> str | None:
    """The message for an allocation (or, under ``ulimit -v``, a library load) that the
    operating system refused; None for an ImportError that is not about memory."""
    import re

    text = str(error)
    if isinstance(error, ImportError) and not re.search(
            r"memory|failed to map segment|mmap", text, re.IGNORECASE):
        return None
    command = " ".join(["intertwine"] + sys.argv[1:2])
    size = re.search(r"allocate (\d[\d.]* ?[KMGTPE]?i?B)", text)
    needs = f"needs about {size.group(1)}" if size else \
        "the operating system refused an allocation or a library load"
    return (f"Error: not enough memory for {command} ({needs}); free some memory, raise "
            "the limit (ulimit -v) or choose a smaller problem")
