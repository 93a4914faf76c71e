"""The ``intertwine`` command: thin click commands over the library.

Every usage problem (bad spec, option, path, manifest, unreadable file) ends with a
short message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import click

from .. import __version__
from .commands import ZERO_SPACE, Usage, library_errors, methods, write_basis


class MethodChoice(click.Choice):
    """``--method``'s choices, read from the solver registry when first needed (when the
    option is used or shown): importing the solvers would cost every command numpy's
    import at start-up."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return methods()

    @choices.setter
    def choices(self, value) -> None:  # click.Choice.__init__ sets its own: ignored
        pass


EXAMPLES = """
\b
Examples:
  intertwine basis "S(5): V**2 -> V**2" -o maron.h5
  intertwine dim "S(1000): V**3 -> V**3"
  intertwine info maron.h5 --json
  intertwine verify maron.h5
  intertwine show "S(5): V**2 -> V**2"
"""


WORKED_EXAMPLE = """
\b
Worked example:  intertwine dim "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]"
  S(3) x S(4) permutes the rows and the columns of a 3x4 matrix; V[0]*V[1] is that
  matrix flattened row by row (dimension 12), so W is 12x12 and commutes with both
  permutations: Hartford et al.'s exchangeable layer, 4 basis elements.
"""

#: the operators of representation expressions (the parser's own, not constructors)
OPERATORS = (("1, k", "trivial, dimension 1 (an integer k alone: k*1)"),
             ("R + Q", "direct sum (R's coordinates first)"),
             ("R * Q", "tensor product (row-major, as numpy.kron)"),
             ("R**k", "k-th tensor power (R**0 is 1)"),
             ("k*R", "k copies of R (copy-major)"),
             ("( ... )", "grouping"))


def _group_usage(family) -> str:
    if family.usage:
        return family.usage
    if family.syntax == "cycles":
        return f"{family.name}(n; (0 1 2)(3 4), ...)"
    return " or ".join(f"{name}(n)" for name in family.names)


def _rep_usage(rep) -> str:
    if rep.usage:
        return rep.usage
    return f"{rep.name}, {rep.name}[i]" if rep.syntax == "atom" else f"{rep.name}(R)"


def _first_line(cls) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def grammar() -> str:
    """The spec grammar of ``intertwine --help``, listed from the registries of group
    families and representation constructors, so that it names every one of them."""
    from ..groups import FAMILIES
    from ..reps import CONSTRUCTORS, load_all

    load_all()
    families = sorted({id(f): f for f in FAMILIES.values()}.values(),
                      key=lambda f: not f.finite)  # stable: finite groups first
    groups = [(_group_usage(f), f.summary or _first_line(type(f))) for f in families]
    reps = [*OPERATORS, *((_rep_usage(c), c.summary or _first_line(c))
                          for c in CONSTRUCTORS.values())]
    width = max(len(usage) for usage, _ in groups + reps) + 2
    groups, reps = ([f"  {usage:<{width}}{summary}" for usage, summary in rows]
                    for rows in (groups, reps))
    return "\n".join([
        "", "\b", "Spec grammar:  GROUP: REP_IN -> REP_OUT   (spaces optional; \u2192, \u00d7 for "
        "->, x)", "", "\b",
        "GROUP: one of these, or a product G x H x ... (V[i], det[i]: factor i's)", *groups,
        "", "\b", "REP: ** binds tighter than *, * tighter than +", *reps, ""]) + WORKED_EXAMPLE


class GrammarGroup(click.Group):
    """The command group whose epilog (the grammar and the examples) is put together
    when help is shown: importing every representation module costs milliseconds that
    the commands themselves do not spend."""

    @property
    def epilog(self) -> str:
        return grammar() + EXAMPLES

    @epilog.setter
    def epilog(self, value) -> None:  # click.Command.__init__ assigns it
        pass


class UsageProblem(click.ClickException):
    """A usage error: printed as ``Error: ...`` and exit status 2."""

    exit_code = 2

    def format_message(self) -> str:
        from ..errors import printable

        return printable(self.message, keep="\n")  # a spec's or a file's bytes echoed


@contextmanager
def usage_errors():
    """The library's ValueErrors as short usage errors (the spec with a caret)."""
    try:
        with library_errors():
            yield
    except Usage as e:
        raise UsageProblem(str(e)) from None


@click.group(cls=GrammarGroup)
@click.version_option(__version__, prog_name="intertwine")
def cli():
    """Bases of equivariant linear maps (intertwiners), stored as HDF5 files.

    A SPEC names the group and the input and output representations, e.g.
    "S(5): V**2 -> V**2" (Maron et al.) or "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]".
    """


@cli.command(epilog=EXAMPLES)
@click.argument("spec")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The .h5 file to write (replaced whole, atomically; a symbolic link "
                   "is written through).")
@click.option("--method", type=MethodChoice(),
              default="auto", show_default=True,
              help="orbit: permutation groups; exact: rationals (integer elimination); "
                   "numeric: float64.")
@click.option("--tolerance", type=float, default=None, callback=lambda c, p, v: _tolerance(v),
              help="Numeric method: singular values below this times the largest are zero "
                   "(a number between 0 and 1).")
@click.option("--compress", is_flag=True,
              help="Deflate (gzip) the datasets: smaller files, slower to write and read.")
@click.option("--partitions-only", is_flag=True,
              help="S(n) tensor specs: store only which set partition each element is "
                   "(a few kB for any n; layers apply it at every n).")
def basis(spec, output, method, tolerance, compress, partitions_only):
    """Compute the basis of SPEC and write it to a file.

    The spec grammar, with a worked example: intertwine --help.
    """
    with usage_errors():
        write_basis(spec, output, method, tolerance, compress, partitions_only)


def _tolerance(value: float | None) -> float | None:
    """A relative tolerance: 0 < t < 1 (a negative, nan or infinite one would silently
    give a wrong basis, every vector or none counted as null)."""
    if value is not None and not 0 < value < 1:  # also false for nan
        raise click.BadParameter(f"{value} is not a number between 0 and 1",
                                 param_hint="'--tolerance'")
    return value


@cli.command(epilog=EXAMPLES)
@click.argument("spec")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"spec": canonical spec, "dim": N} as JSON.')
def dim(spec, as_json):
    """Print the dimension of the space of equivariant maps of SPEC (writes nothing).

    The spec grammar, with a worked example: intertwine --help.
    """
    from ..api import dim as dimension
    from ..spec import parse_spec

    with usage_errors():
        parsed = parse_spec(spec)
        n = dimension(parsed)
        canonical = str(parsed)
    sys.set_int_max_str_digits(0)  # an exact count may have more digits than str() allows
    if as_json:
        click.echo(json.dumps({"spec": canonical, "dim": n}))
        return
    if n == 0:
        click.echo(ZERO_SPACE, err=True)
    click.echo(n)


@cli.command(epilog=EXAMPLES)
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the root attributes as JSON.")
def info(files, as_json):
    """Describe basis and decomposition files (reads only their attributes)."""
    from ..decomposition.files import is_decomposition
    from ..io import read_attributes, read_partitions_summary

    described, unreadable = [], False
    for file in files:
        try:
            with usage_errors():
                if is_decomposition(file):  # Q of ``decompose``: its attributes alone
                    from ..decomposition.files import read_attributes as decomposition_attributes

                    described.append(decomposition_attributes(file))
                    continue
                attrs = read_attributes(file)
                labelled = read_partitions_summary(file)
        except UsageProblem as e:
            if len(files) == 1:
                raise
            click.echo(f"Error: {e.format_message()}", err=True)
            unreadable = True
            continue
        if labelled is not None:  # not a root attribute: group partitions (docs/format.rst)
            attrs["partitions"] = _partitions_info(attrs["spec"], labelled)
        described.append(attrs)
    if as_json:
        shown = described[0] if len(files) == 1 else described
        click.echo(json.dumps(shown, indent=2, sort_keys=True, default=str))
    else:
        for k, attrs in enumerate(described):
            if k:
                click.echo()
            width = max(map(len, attrs))
            for key, value in attrs.items():
                if key == "partitions":
                    value = (f"labelled: {value['elements']} set partitions of "
                             f"{value['slots']} slots, " +
                             ("every set size" if value["complete"] else
                              "set sizes up to the spec's (some partitions missing)"))
                click.echo(f"{key:<{width}}  {value}")
    sys.exit(2 if unreadable else 0)


def _partitions_info(spec: str, summary: dict) -> dict | str:
    """What ``info`` says of partition labels: how many, of how many slots, and whether
    they serve every set size."""
    from ..partitions import Layout
    from ..spec import parse_spec

    try:
        layout = Layout.of(parse_spec(spec))
    except ValueError:
        layout = None
    summary["complete"] = bool(layout is not None and layout.complete)
    return summary


@cli.command(epilog=EXAMPLES)
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True,
              help="Print the checks as JSON: an object per file (a list for several).")
def verify(files, as_json):
    """Re-check basis files from their own contents (exit 1 if a check fails).

    Pattern files of any size are read in bands of rows, in bounded memory.
    """
    from ..check.verify import verify_file

    reports, status = [], 0
    for file in files:
        checks = []
        try:
            with usage_errors():
                for passed, message in verify_file(file):
                    checks.append({"passed": passed, "message": message})
                    if not as_json:
                        mark = {True: "ok  ", False: "FAIL", None: "skip"}[passed]
                        click.echo(f"{mark}  {message}")
        except UsageProblem as e:
            if len(files) == 1:
                raise
            click.echo(f"Error: {e.format_message()}", err=True)
            reports.append({"file": file, "verified": False, "error": e.format_message()})
            status = 2
            continue
        ok = all(c["passed"] is not False for c in checks)
        status = max(status, 0 if ok else 1)
        reports.append({"file": file, "verified": ok, "checks": checks})
        if not as_json:
            click.echo(f"{file}: {'verified' if ok else 'FAILED'}")
    if as_json:
        click.echo(json.dumps(reports[0] if len(files) == 1 else reports, indent=2))
    sys.exit(status)


DECOMPOSE_EXAMPLES = """
\b
Examples:
  intertwine decompose "D(4): sym(V, 2)"
  intertwine decompose "D(4): V**2" -o d4_v2.h5
  intertwine decompose "D(6): V**2" --json
"""


@cli.command(epilog=DECOMPOSE_EXAMPLES)
@click.argument("field", metavar="'GROUP: REP'")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Also write the change of basis Q to this .h5 file (atomically).")
@click.option("--method", type=click.Choice(("auto", "exact", "numeric")), default="auto",
              show_default=True,
              help="exact: values 0 or +-sqrt(a/b); numeric: float64; auto: exact where "
                   "the representation and its irreps are.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"group", "rep", "irreps": [{"irrep", "multiplicity", "dim"}], '
                   '"dim"} as JSON.')
def decompose(field, output, method, as_json):
    """Decompose the representation REP of GROUP into irreducibles.

    Prints the sum of irreps (multiplicities as m*); -o writes the change of basis Q
    with Q rho_REP(g) = rho_IRREPS(g) Q and Q^T Q = M (see docs/decompose.rst).
    """
    from .commands import write_decomposition

    with usage_errors():
        d = write_decomposition(field, output, method)
    if as_json:
        click.echo(json.dumps({
            "group": d.group, "rep": d.rep, "dim": d.dim,
            "irreps": [{"irrep": label, "multiplicity": m, "dim": k}
                       for (label, m), k in zip(d.irreps, d.irrep_dims)]}))
    else:
        click.echo(d.irreps_string)


BATCH_EXAMPLES = """
\b
Examples:
  intertwine batch bases/catalog.toml --out-dir bases
  intertwine batch models.toml --out-dir cache/bases --jobs 4 --json report.json
  intertwine batch models.toml --out-dir part2 --shard 2/4      # CI matrix job 2 of 4
  intertwine batch models.toml --out-dir /shared/bases --dask tcp://10.0.0.5:8786

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
              help="Also write a machine-readable report (JSON) to this file; - prints "
                   "it on stdout (and the rest on stderr).")
@click.option("--shard", metavar="I/N", default=None,
              help="Compute only shard I of N: the valid entries j (from 0) with "
                   "j mod N = I-1.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Run the entries on the Dask cluster whose scheduler is at ADDRESS "
                   "(or in this scheduler file); --out-dir must be shared with the workers.")
def batch(manifest, out_dir, jobs, force, json_path, shard, dask_address):
    """Compute every basis listed in a TOML MANIFEST into --out-dir.

    Files that are up to date (same spec, method, format and intertwine version, and
    unchanged since they were written and read back) are skipped.  Invalid entries are
    reported with their line and the others still run; exit status 1 if any entry
    failed, 2 if the manifest cannot be read.  Ctrl-C or SIGTERM stops the run (exit
    status 130 or 143); the summary and report still say what was done.
    """
    from ..batch import (
        BatchInterrupted,
        RecordsUnusable,
        default_jobs,
        not_run,
        read_manifest,
        run_batch,
    )
    from ..batch.report import Progress, json_report, summary_table, write_json
    from ..runtime.atomic import output_target

    start = time.perf_counter()
    if jobs and dask_address:
        raise UsageProblem("choose one of --jobs (local processes) and --dask (a cluster)")
    client = None
    to_stdout = json_path == "-"  # stdout is the report's: everything else on stderr
    with usage_errors():
        plan = read_manifest(manifest)
        if shard is not None:
            plan = plan.shard(*_shard_option(shard))
        if json_path and not to_stdout:
            if not os.path.isdir(os.path.dirname(output_target(json_path))):
                raise UsageProblem(f"folder does not exist: {os.path.dirname(json_path)}")
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            raise UsageProblem(f"--out-dir is not a folder: {out_dir}")
        os.makedirs(out_dir, exist_ok=True)
        interrupted = None
        if dask_address is not None:
            from ..batch.cluster import connect
            from ..runtime import interrupt

            try:
                client = connect(dask_address)
            except BaseException as stop:  # Ctrl-C while connecting: a report of nothing
                interrupted = interrupt.exit_status(stop)
                if interrupted is None:
                    raise
    for bad in plan.invalid:
        click.echo(f"{plan.where(bad.line, bad.number)}: {bad.reason}", err=True)
    progress = Progress(len(plan.entries), terminal=sys.stdout.isatty() and not to_stdout,
                        echo=lambda text: click.echo(text, err=to_stdout))
    try:
        if interrupted is not None:
            outcomes = not_run(plan)
        else:
            outcomes = run_batch(plan, Path(out_dir), jobs=jobs or default_jobs(),
                                 force=force, progress=progress, dask=client)
    except BatchInterrupted as stop:  # Ctrl-C or SIGTERM: still tell what was done
        outcomes, interrupted = stop.outcomes, stop.code
    except RecordsUnusable as e:  # the record folder, or its lock held for too long
        raise UsageProblem(str(e)) from None
    finally:
        if client is not None:
            with suppress(Exception):
                client.close(timeout=5)
    seconds = time.perf_counter() - start
    click.echo(summary_table(outcomes, seconds, out_dir), err=to_stdout)
    report = json_report(outcomes, seconds, manifest, out_dir) if json_path else None
    if to_stdout:
        click.echo(json.dumps(report, indent=2))
    elif report:
        with usage_errors():
            write_json(report, json_path)
    if interrupted is not None:
        click.echo("interrupted: finished files are kept, the next run computes the rest",
                   err=True)
        sys.exit(interrupted)
    sys.exit(1 if any(o.status == "failed" for o in outcomes) else 0)


#: I/N in ASCII digits (str.isdecimal() takes any script's: '١/٢'), short enough for int()
_SHARD = re.compile(r"\s*([0-9]{1,18})\s*/\s*([0-9]{1,18})\s*", re.ASCII)


def _shard_option(text: str) -> tuple[int, int]:
    """``--shard I/N`` as (I, N); a usage error unless 1 <= I <= N."""
    match = _SHARD.fullmatch(text)
    if match:
        i, n = int(match[1]), int(match[2])
        if 1 <= i <= n:
            return i, n
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise UsageProblem(f"--shard {shown!r}: expected I/N with 1 <= I <= N, such as 2/4")


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
@click.option("--method", type=MethodChoice(),
              default="auto", show_default=True, help="For a SPEC: how to compute it.")
@click.option("--matrix", is_flag=True,
              help="For '... -> R * Grid(k)': the matrix itself, not c_out x c_in kernels.")
def show(target, png, svg, element, seed, labels, overview, plain, colour, method, matrix):
    """Draw the weight-sharing pattern W = sum_k w_k B_k, one colour per parameter.

    SPEC|FILE is a basis file if such a file exists (or the name ends in .h5), else a
    spec.  Without --png/--svg the picture is drawn in the terminal.  A decomposition
    file, or "GROUP: REP" without an arrow, draws the change of basis Q by irreps.
    """
    import shutil

    import numpy as np

    from ..show import make_view, read_target, render_text

    if plain and colour:
        raise UsageProblem("choose one of --plain and --color")
    figures = [(p, fmt) for p, fmt in ((png, "png"), (svg, "svg")) if p]
    if figures:
        from ..show.figure import MissingMatplotlib, require_matplotlib, save_figure

        try:
            require_matplotlib()  # before any work: the user has to install it first
        except MissingMatplotlib as e:
            raise UsageProblem(str(e)) from None
    with usage_errors():
        from ..decomposition.show import read_decomposition_target

        decomposition = read_decomposition_target(target, method)
    if decomposition is not None:  # Q's block structure
        from ..decomposition.show import render_text as render_decomposition
        from ..decomposition.show import save_figure as save_decomposition

        for path, fmt in figures:
            with usage_errors():
                save_decomposition(decomposition, path, fmt)
            click.echo(f"wrote {path}: {decomposition.spec}")
        if not figures:
            click.echo(render_decomposition(decomposition, shutil.get_terminal_size().columns))
        return
    with usage_errors():
        view = make_view(read_target(target, method), element=element, seed=seed)
        if figures and not isinstance(view.panels[0][1], np.ndarray):
            raise UsageProblem(f"{target}: {view.dim_out}x{view.dim_in} is too large for a "
                               "figure; draw its overview in the terminal with --overview")
        if not matrix:
            from ..show.kernel import as_kernels

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


def click_status(args: list[str]) -> int:
    """Run a command line through click; its exit status (``launch.guarded`` turns the
    exceptions that are not click's into one)."""
    try:
        # not standalone: click's own mode turns Ctrl-C into "Aborted!" and exit status 1
        code = cli.main(args, prog_name="intertwine", standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C: click has already ended the ^C line
        click.echo("interrupted", err=True)
        return 128 + signal.SIGINT
    except click.ClickException as e:
        e.show()
        return e.exit_code
    return code if isinstance(code, int) else 0

