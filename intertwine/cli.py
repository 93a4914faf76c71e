"""The ``intertwine`` command: thin click commands over the library.

Every usage problem (bad spec, option, path, manifest, unreadable file) ends with a
short message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__

EXAMPLES = """
\b
Examples:
  intertwine basis "S(5): V**2 -> V**2" -o maron.h5
  intertwine dim "S(1000): V**3 -> V**3"
  intertwine info maron.h5 --json
  intertwine verify maron.h5
  intertwine show "S(5): V**2 -> V**2"
"""


class UsageProblem(click.ClickException):
    """A usage error: printed as ``Error: ...`` and exit status 2."""

    exit_code = 2


@contextmanager
def usage_errors():
    """Turn the library's ValueErrors into short usage errors (the spec with a caret)."""
    from .spec import SpecError

    try:
        yield
    except SpecError as e:
        pointer = e.pointer()
        raise UsageProblem(f"invalid spec: {e}" + (f"\n{pointer}" if pointer else "")) from None
    except (ValueError, OSError) as e:
        raise UsageProblem(str(e).strip().splitlines()[0] if str(e).strip() else repr(e)) \
            from None


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the writers' cleanup


@click.group(epilog=EXAMPLES)
@click.version_option(__version__, prog_name="intertwine")
def cli():
    """Bases of equivariant linear maps (intertwiners), stored as HDF5 files.

    A SPEC names the group and the input and output representations, e.g.
    "S(5): V**2 -> V**2" (Maron et al.) or "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]".
    """


@cli.command(epilog=EXAMPLES)
@click.argument("spec")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The .h5 file to write (replaced whole, atomically).")
@click.option("--method", type=click.Choice(["auto", "orbit", "exact", "numeric"]),
              default="auto", show_default=True,
              help="orbit: permutation groups; exact: rationals (sympy); numeric: float64.")
@click.option("--tolerance", type=float, default=None,
              help="Numeric method: singular values below this times the largest are zero.")
@click.option("--compress", is_flag=True,
              help="Deflate (gzip) the datasets: smaller files, slower to write and read.")
@click.option("--partitions-only", is_flag=True,
              help="S(n) tensor specs: store only which set partition each element is "
                   "(a few kB for any n; layers apply it at every n).")
def basis(spec, output, method, tolerance, compress, partitions_only):
    """Compute the basis of SPEC and write it to a file."""
    from .api import compute_to_file

    out = Path(output)
    if not out.parent.is_dir():
        raise UsageProblem(f"folder does not exist: {out.parent}")
    options = {} if tolerance is None else {"tolerance": tolerance}
    if partitions_only:
        options["partitions_only"] = True
    if tolerance is not None and method != "numeric":
        raise UsageProblem("--tolerance applies to --method numeric only")
    start = time.perf_counter()
    with usage_errors():
        try:
            b = compute_to_file(spec, out, method, compression="gzip" if compress else None,
                                **options)
        except ValueError as e:
            if _not_clear_cut(e):
                raise UsageProblem(f"numeric solver: {e}; try --tolerance or --method exact") \
                    from None
            raise
    click.echo(f"wrote {out}: {b['spec']}, {b['n_basis']} basis elements of shape "
               f"({b['dim_out']}, {b['dim_in']}), method {b['method']}, encoding "
               f"{b['encoding']}, {time.perf_counter() - start:.2f} s")
    if partitions_only:
        from .partitions import Layout

        if not Layout.of(b["spec"]).complete:
            click.echo("note: n is smaller than the number of slots, so partitions with more "
                       "blocks than n are missing; name n >= the slots for a file that "
                       "serves every n", err=True)


def _not_clear_cut(error: Exception) -> bool:
    """The numeric solver's NotClearCut, checked without importing that solver (scipy):
    if it was raised, its module is loaded."""
    numeric = sys.modules.get("intertwine.solvers.numeric")
    return numeric is not None and isinstance(error, numeric.NotClearCut)


@cli.command(epilog=EXAMPLES)
@click.argument("spec")
def dim(spec):
    """Print the dimension of the space of equivariant maps of SPEC (writes nothing)."""
    from .api import dim as dimension

    with usage_errors():
        n = dimension(spec)
    sys.set_int_max_str_digits(0)  # an exact count may have more digits than str() allows
    click.echo(n)


@cli.command(epilog=EXAMPLES)
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the root attributes as JSON.")
def info(file, as_json):
    """Describe a basis file."""
    from .io import read_attributes, read_partitions_summary

    with usage_errors():
        attrs = read_attributes(file)
        labelled = read_partitions_summary(file)
    if labelled is not None:  # not a root attribute: the group partitions (contract 5.3)
        attrs["partitions"] = _partitions_info(attrs["spec"], labelled)
    if as_json:
        click.echo(json.dumps(attrs, indent=2, sort_keys=True, default=str))
        return
    width = max(map(len, attrs))
    for key, value in attrs.items():
        if key == "partitions":
            value = (f"labelled: {value['elements']} set partitions of {value['slots']} "
                     "slots, " + ("every set size" if value["complete"] else
                                  "set sizes up to the spec's (some partitions missing)"))
        click.echo(f"{key:<{width}}  {value}")


def _partitions_info(spec: str, summary: dict) -> dict | str:
    """What ``info`` says of partition labels: how many, of how many slots, and whether
    they serve every set size."""
    from .partitions import Layout

    try:
        layout = Layout.of(spec)
    except ValueError:
        layout = None
    summary["complete"] = bool(layout is not None and layout.complete)
    return summary


@cli.command(epilog=EXAMPLES)
@click.argument("file", type=click.Path())
def verify(file):
    """Re-check a basis file from its own contents (exit 1 if a check fails)."""
    from .io import load
    from .verify import verify_basis

    with usage_errors():
        b = load(file)
    ok = True
    for passed, message in verify_basis(b):
        ok &= passed is not False
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[passed]
        click.echo(f"{mark}  {message}")
    click.echo(f"{file}: {'verified' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


BATCH_EXAMPLES = """
\b
Examples:
  intertwine batch bases/catalog.toml --out-dir bases
  intertwine batch models.toml --out-dir cache/bases --jobs 4 --json report.json

\b
Manifest (TOML):
  [defaults]
  method = "auto"                # optional
  [[basis]]
  spec = "S(5): V**2 -> V**2"
  name = "maron_s5"              # optional: file name without .h5
  method = "orbit"               # optional
"""


@cli.command(epilog=BATCH_EXAMPLES)
@click.argument("manifest", type=click.Path())
@click.option("--out-dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the basis files (created if missing).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes (default: the CPUs this process may use); "
                   "1 computes in this process.")
@click.option("--force", is_flag=True, help="Recompute even up-to-date files.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write a machine-readable report (JSON) to this file.")
def batch(manifest, out_dir, jobs, force, json_path):
    """Compute every basis listed in a TOML MANIFEST into --out-dir.

    Files that are up to date (same spec, method, format and intertwine version, and
    unchanged since they were written and read back) are skipped.  Invalid entries are
    reported with their line and the others still run; exit status 1 if any entry
    failed, 2 if the manifest cannot be read.
    """
    from .batch import default_jobs, read_manifest, run_batch
    from .batch.report import Progress, json_report, summary_table, write_json

    start = time.perf_counter()
    with usage_errors():
        plan = read_manifest(manifest)
        if json_path and not os.path.isdir(os.path.dirname(os.path.abspath(json_path))):
            raise UsageProblem(f"folder does not exist: {os.path.dirname(json_path)}")
        os.makedirs(out_dir, exist_ok=True)
    for bad in plan.invalid:
        click.echo(f"{plan.where(bad.line, bad.number)}: {bad.reason}", err=True)
    progress = Progress(len(plan.entries), terminal=sys.stdout.isatty())
    try:
        outcomes = run_batch(plan, Path(out_dir), jobs=jobs or default_jobs(), force=force,
                             progress=progress)
    except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl-C, or SIGTERM via _terminate
        click.echo("interrupted: finished files are kept, the next run computes the rest",
                   err=True)
        code = stop.code if isinstance(stop, SystemExit) else 128 + signal.SIGINT
        sys.exit(code)
    seconds = time.perf_counter() - start
    click.echo(summary_table(outcomes, seconds, out_dir))
    if json_path:
        with usage_errors():
            write_json(json_report(outcomes, seconds, manifest, out_dir), json_path)
    sys.exit(1 if any(o.status == "failed" for o in outcomes) else 0)


SHOW_EXAMPLES = """
\b
Examples:
  intertwine show "S(8): V -> V"
  intertwine show "S(8): V**4 -> V**4" --overview
  intertwine show "S(5): V**2 -> V**2" --png maron.png
  intertwine show maron.h5 --element 3 --plain
  intertwine show "O(3): V**2 -> V**2" --random-weights 0 --svg o3.svg
  intertwine show "C(4): V -> V * Grid(5)"    (kernels: c_out x c_in images of 5x5)
"""


@cli.command(epilog=SHOW_EXAMPLES)
@click.argument("target", metavar="SPEC|FILE")
@click.option("--png", type=click.Path(dir_okay=False),
              help="Write a PNG figure instead of drawing in the terminal (needs matplotlib).")
@click.option("--svg", type=click.Path(dir_okay=False), help="Write an SVG figure.")
@click.option("--element", type=click.IntRange(min=0), default=None,
              help="Show only basis element K.")
@click.option("--random-weights", "seed", type=click.IntRange(min=0), default=None,
              help="Show one random W = sum w_k B_k (normal weights from SEED).")
@click.option("--labels", is_flag=True, help="Tensor indices on the axes (i,j for V**2).")
@click.option("--overview", is_flag=True,
              help="Terminal: if the matrix is too wide, one cell per block instead.")
@click.option("--plain", is_flag=True, help="Symbols and a legend instead of colours.")
@click.option("--color", "colour", is_flag=True,
              help="Colours even when stdout is not a terminal (e.g. for less -R).")
@click.option("--method", type=click.Choice(["auto", "orbit", "exact", "numeric"]),
              default="auto", show_default=True, help="For a SPEC: how to compute it.")
@click.option("--matrix", is_flag=True,
              help="For '... -> R * Grid(k)': the matrix itself, not c_out x c_in kernels.")
def show(target, png, svg, element, seed, labels, overview, plain, colour, method, matrix):
    """Draw the weight-sharing pattern W = sum_k w_k B_k, one colour per parameter.

    SPEC|FILE is a basis file if such a file exists (or the name ends in .h5), else a
    spec.  Without --png/--svg the picture is drawn in the terminal.
    """
    import shutil

    from .show import make_view, read_target, render_text

    if plain and colour:
        raise UsageProblem("choose one of --plain and --color")
    figures = [(p, fmt) for p, fmt in ((png, "png"), (svg, "svg")) if p]
    if figures:
        from .show.figure import MissingMatplotlib, require_matplotlib, save_figure

        try:
            require_matplotlib()  # before any work: the user has to install it first
        except MissingMatplotlib as e:
            raise UsageProblem(str(e)) from None
    with usage_errors():
        view = make_view(read_target(target, method), element=element, seed=seed)
        if not matrix:
            from .show.kernel import as_kernels

            view = as_kernels(view)
        for path, fmt in figures:
            save_figure(view, path, fmt, labels=labels)
            click.echo(f"wrote {path}: {view.spec}, {view.subtitle}")
        if not figures:
            text = render_text(view, _terminal_mode(plain, colour),
                               width=shutil.get_terminal_size().columns, overview=overview,
                               labels=labels)
            click.echo(text, color=True)


def _terminal_mode(plain: bool, colour: bool) -> str:
    """plain for pipes, files and NO_COLOR (https://no-color.org), else the best colours."""
    if plain or (not colour and (os.environ.get("NO_COLOR") or not sys.stdout.isatty())):
        return "plain"
    depth = os.environ.get("COLORTERM", "").lower()
    return "truecolor" if depth in ("truecolor", "24bit") else "256"


def main():
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="intertwine")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # a bug, not a usage error: short, but with a way to see more
        if os.environ.get("INTERTWINE_DEBUG"):
            raise
        click.echo(f"internal error ({type(e).__name__}: {e}); this is a bug in intertwine. "
                   "Run again with INTERTWINE_DEBUG=1 for the traceback.", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
