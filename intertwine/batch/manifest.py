"""Reading a batch manifest (docs/batch.rst): TOML, checked entry by entry.

A manifest is read in two passes.  What makes the whole file unusable (missing, not
TOML, the wrong top-level types, a bad ``[defaults]``) raises :class:`ManifestError`,
a usage error.  What is wrong with one ``[[basis]]`` entry (an unknown key, a bad spec,
name or method, a file name another entry already writes) only disqualifies that entry:
it is returned as an :class:`Invalid` with the manifest's line, and the other entries
still run.  tomllib reports no positions, so lines come from a light scan of the text
(see :func:`_Lines`).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field

from ..problem import Problem
from ..solvers import choose_method
from ..solvers.registry import choices
from ..spec import SpecError, parse_spec

__all__ = ["Entry", "Invalid", "Manifest", "ManifestError", "read_manifest", "default_name",
           "ENTRY_KEYS"]

ENTRY_KEYS = ("spec", "name", "method", "kind")
#: what an entry computes: a basis file, or a decomposition file (``intertwine decompose``,
#: also any spec without ``->``)
KINDS = ("basis", "decompose")
DEFAULT_KEYS = ("method",)
MAX_NAME = 200  # io's temporary names add a prefix and suffix; NAME_MAX is 255
#: a manifest of a million entries is about 50 MB; no real one comes near this, and a
#: larger file (or an endless one, such as /dev/zero) is refused before it is read
MAX_MANIFEST_BYTES = 16 << 20
_FORBIDDEN_IN_NAME = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')


class ManifestError(ValueError):
    """The manifest cannot be used at all (a usage error, exit status 2)."""


@dataclass(frozen=True)
class Entry:
    """One valid ``[[basis]]`` entry."""

    number: int          # 1-based position among the manifest's entries
    line: int | None     # line of its [[basis]] header
    spec: str            # canonical
    name: str            # file name without .h5
    method: str          # as asked: auto, orbit, exact or numeric
    chosen: str          # the method that runs (what auto picks now)
    #: the parsed spec and its problem, kept so that no later step parses it again
    problem: Problem | None = field(default=None, compare=False, repr=False)
    kind: str = "basis"

    @property
    def parsed(self):
        """What the worker computes: the parsed spec, or for a decomposition the
        canonical ``GROUP: REP`` (a string without ``->``)."""
        return self.spec if self.kind == "decompose" else self.problem.spec

    @property
    def filename(self) -> str:
        return f"{self.name}.h5"


@dataclass(frozen=True)
class Invalid:
    """An entry that will not run, and why."""

    number: int
    line: int | None
    name: str | None
    spec: str | None     # as written
    method: str | None
    reason: str


@dataclass
class Manifest:
    path: str
    entries: list[Entry] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)

    def shard(self, index: int, count: int) -> Manifest:
        """Shard ``index`` of ``count`` (1-based, docs/batch.rst): the valid entries j
        (0-based, in file order) with j mod count = index - 1.  Every shard keeps all
        invalid entries, so each reports the manifest's mistakes.

        >>> m = Manifest("m.toml", entries=list("abcde"))
        >>> m.shard(1, 2).entries, m.shard(2, 2).entries, m.shard(3, 3).entries
        (['a', 'c', 'e'], ['b', 'd'], ['c'])
        """
        if not 1 <= index <= count:
            raise ValueError(f"shard {index}/{count}: need 1 <= I <= N")
        return Manifest(self.path, self.entries[index - 1::count], list(self.invalid))

    def where(self, line: int | None, number: int) -> str:
        """``catalog.toml:12: entry 3`` (or without the line when it is not known)."""
        return f"{self.path}:{line}: entry {number}" if line else f"{self.path}: entry {number}"


def default_name(spec: str) -> str:
    """A file name (without .h5) derived from a canonical spec.

    >>> default_name("S(5): V**2 -> V**2")
    'S5_V2_to_V2'
    >>> default_name("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]")
    'S3xS4_V0xV1_to_V0xV1'
    """
    left, arrow, right = spec.partition("->")

    def clean(s: str) -> str:
        s = s.replace(" x ", "x").replace("**", "").replace("*", "x").replace(" + ", "+")
        s = s.replace(")(", "_").replace(", ", "_").replace(",", "_")
        s = re.sub(r"[\[\]()]", "", s)
        return re.sub(r"[^A-Za-z0-9+x]+", "_", s).strip("_")
    return f"{clean(left)}_to_{clean(right)}" if arrow else f"{clean(left)}_irreps"


def read_manifest(path) -> Manifest:
    """Read and check a manifest; raises :class:`ManifestError` if it is unusable."""
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path}: not valid TOML: {e}") from None
    lines = _Lines(text)
    defaults = _defaults(data, path, lines)
    items = data.get("basis")
    if items is None:
        raise ManifestError(f"{path}: no [[basis]] entries")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ManifestError(f"{path}: 'basis' must be an array of tables ([[basis]] ...)")
    manifest = Manifest(str(path))
    taken: dict[str, Entry] = {}  # casefolded file name -> the entry that writes it
    for number, item in enumerate(items, 1):
        header = lines.header(number, len(items))
        result = _entry(item, number, header, defaults, lines, manifest, taken)
        if isinstance(result, Entry):
            taken[result.filename.casefold()] = result
            manifest.entries.append(result)
        else:
            manifest.invalid.append(result)
    return manifest


def _read_text(path) -> str:
    """The manifest's text, from a regular file of at most MAX_MANIFEST_BYTES: a FIFO
    or a device would block or never end, so they are refused before anything is read
    (opened without blocking, then checked on the open file: no race with a swap)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ManifestError(f"manifest not found: {path}") from None
    except IsADirectoryError:
        raise ManifestError(f"manifest is a folder: {path}") from None
    except OSError as e:
        raise ManifestError(f"cannot read manifest {path}: {e.strerror}") from None
    with open(fd, "rb") as f:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ManifestError(f"manifest is a folder: {path}")
        if not stat.S_ISREG(info.st_mode):
            raise ManifestError(f"manifest is not a regular file (a device or FIFO?): {path}")
        if info.st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"manifest is too large: {path} ({info.st_size:,} bytes; "
                                f"at most {MAX_MANIFEST_BYTES:,})")
        try:
            raw = f.read(MAX_MANIFEST_BYTES + 1)  # a file growing meanwhile is cut short
        except OSError as e:
            raise ManifestError(f"cannot read manifest {path}: {e.strerror}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"manifest is too large: {path} (more than "
                            f"{MAX_MANIFEST_BYTES:,} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not valid TOML: not UTF-8 text") from None


def _defaults(data: dict, path, lines: _Lines) -> dict:
    # These apply to every entry, so a mistake here is a usage error, not one entry's.
    unknown = sorted(set(data) - {"defaults", "basis"})
    if unknown:
        raise ManifestError(f"{path}:{lines.table(unknown[0]) or '?'}: unknown table or key "
                            f"{unknown[0]!r} (a manifest has [defaults] and [[basis]])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ManifestError(f"{path}: 'defaults' must be a table ([defaults])")
    start = lines.table("defaults")
    for key in sorted(set(defaults) - set(DEFAULT_KEYS)):
        raise ManifestError(f"{path}:{lines.key(start, key) or '?'}: unknown key {key!r} in "
                            f"[defaults] (allowed: {', '.join(DEFAULT_KEYS)})")
    method = defaults.get("method", "auto")
    if method not in choices():
        raise ManifestError(f"{path}:{lines.key(start, 'method') or '?'}: [defaults] method "
                            f"{method!r} is not one of {', '.join(choices())}")
    return {"method": method}


def _entry(item: dict, number: int, header, defaults, lines: _Lines, manifest: Manifest,
           taken: dict) -> Entry | Invalid:
    raw_spec, raw_name, raw_method = item.get("spec"), item.get("name"), item.get("method")

    def invalid(reason: str, key: str | None = None) -> Invalid:
        line = lines.key(header, key) if key else None
        return Invalid(number, line or header, raw_name if isinstance(raw_name, str) else None,
                       raw_spec if isinstance(raw_spec, str) else None,
                       raw_method if isinstance(raw_method, str) else None, reason)

    unknown = [k for k in item if k not in ENTRY_KEYS]
    if unknown:
        return invalid(f"unknown key {unknown[0]!r} (allowed: {', '.join(ENTRY_KEYS)})",
                       unknown[0])
    if not isinstance(raw_spec, str):
        return invalid("no spec" if raw_spec is None else "spec must be a string",
                       None if raw_spec is None else "spec")
    raw_kind = item.get("kind")
    if raw_kind is not None and raw_kind not in KINDS:
        return invalid(f"kind {raw_kind!r} is not one of {', '.join(KINDS)}", "kind")
    if raw_kind == "decompose" or (raw_kind is None and "->" not in raw_spec
                                   and "→" not in raw_spec):
        return _decomposition_entry(raw_spec, raw_name, raw_method, number, header,
                                    defaults, invalid, manifest, taken)
    try:
        spec = parse_spec(raw_spec)
    except SpecError as e:
        return invalid(f"invalid spec {raw_spec!r}: {e}", "spec")
    method = defaults["method"] if raw_method is None else raw_method
    if method not in choices():
        return invalid(f"method {method!r} is not one of {', '.join(choices())}", "method")
    problem = Problem(spec)
    try:
        chosen = choose_method(problem, method)
    except ValueError as e:
        return invalid(str(e), "method" if raw_method is not None else "spec")
    name = default_name(str(spec)) if raw_name is None else raw_name
    problem_with_name = _taken_name(name, raw_name, invalid, manifest, taken)
    if problem_with_name is not None:
        return problem_with_name
    return Entry(number, header, str(spec), name, method, chosen, problem)


def _decomposition_entry(raw_spec, raw_name, raw_method, number, header, defaults, invalid,
                         manifest, taken) -> Entry | Invalid:
    """A ``kind = "decompose"`` entry: checked as ``intertwine decompose`` would."""
    from ..decomposition import DECOMPOSE_METHODS, parse_field
    from ..decomposition import choose_method as choose_decomposition
    from ..decomposition.families import family_of

    try:
        f = parse_field(raw_spec)
        family_of(f)
    except SpecError as e:
        return invalid(f"invalid representation {raw_spec!r}: {e}", "spec")
    method = defaults["method"] if raw_method is None else raw_method
    if method not in DECOMPOSE_METHODS:
        return invalid(f"method {method!r} is not one of {', '.join(DECOMPOSE_METHODS)} for "
                       "a decomposition", "method")
    try:
        chosen = choose_decomposition(f, method)
    except ValueError as e:
        return invalid(str(e), "method" if raw_method is not None else "spec")
    name = default_name(str(f)) if raw_name is None else raw_name
    problem_with_name = _taken_name(name, raw_name, invalid, manifest, taken)
    if problem_with_name is not None:
        return problem_with_name
    # the sizes of its largest solve, GROUP: REP -> 1 and up: what check_size looks at
    return Entry(number, header, str(f), name, method, chosen,
                 Problem.from_spec(f.spec_to("1")), kind="decompose")


def _taken_name(name, raw_name, invalid, manifest, taken) -> Invalid | None:
    bad_name = _name_problem(name)
    if bad_name:
        return invalid(bad_name, "name")
    other = taken.get(f"{name}.h5".casefold())
    if other is not None:
        how = "" if other.name == name else f" (differs only in case from {other.name!r})"
        whose = "its default name" if raw_name is None else "name"
        hint = "; give it a name" if raw_name is None else ""
        return invalid(f"{whose} {name!r} writes the same file as "
                       f"{manifest.where(other.line, other.number)}{how}{hint}",
                       "name" if raw_name is not None else None)
    return None


def _name_problem(name) -> str | None:
    if not isinstance(name, str):
        return "name must be a string"
    if not name or name.startswith(".") or name != name.strip():
        return f"invalid name {name!r}: empty, leading dot or surrounding spaces"
    if _FORBIDDEN_IN_NAME.search(name):
        return f"invalid name {name!r}: a file name cannot hold / \\ : * ? \" < > | or controls"
    if len(name) > MAX_NAME:
        return f"invalid name: longer than {MAX_NAME} characters"
    return None


class _Lines:
    """Line numbers of tables and keys, from a light scan of the manifest's text.

    It looks at the start of each line only: ``[[basis]]`` headers, ``[table]`` headers and
    ``key =`` lines.  Text inside multi-line strings that looks like a header could fool
    it; then a message names a wrong line (or none), never a wrong entry, because entries
    are numbered from tomllib's parse and a line is given only when the number of headers
    found equals the number of entries.
    """

    _BASIS = re.compile(r"""^\s*\[\[\s*(basis|"basis"|'basis')\s*\]\]""")
    _HEADER = re.compile(r"^\s*\[")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.basis = [i + 1 for i, s in enumerate(self.lines) if self._BASIS.match(s)]

    def header(self, number: int, count: int) -> int | None:
        return self.basis[number - 1] if len(self.basis) == count else None

    def table(self, name: str) -> int | None:
        pattern = re.compile(rf"""^\s*\[\s*(["']?){re.escape(name)}\1\s*\]|"""
                             rf"""^\s*(["']?){re.escape(name)}\2\s*=""")
        return next((i + 1 for i, s in enumerate(self.lines) if pattern.match(s)), None)

    def key(self, start: int | None, key: str) -> int | None:
        """The line of ``key = ...`` in the table whose header is on line ``start``."""
        if start is None:
            return None
        pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*=""")
        for i in range(start, len(self.lines)):  # the lines after the header
            if self._HEADER.match(self.lines[i]):
                return None
            if pattern.match(self.lines[i]):
                return i + 1
        return None
