"""``intertwine batch``: precompute the bases listed in a TOML manifest.

A file on disk is reused only if it reads back as a basis file written for the same
spec and method by this very version of intertwine; anything else is recomputed.
"""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .spec import parse_spec

__all__ = ["Entry", "ManifestError", "read_manifest", "run_batch", "default_name"]

ENTRY_KEYS = {"spec", "name", "method"}
METHODS = ("auto", "orbit", "exact", "numeric")


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    spec: str        # canonical
    name: str
    method: str


def default_name(spec: str) -> str:
    """A file name from a spec: ``S(5): V**2 -> V**2`` gives ``S5_V2_to_V2``."""
    left, _, right = spec.partition("->")
    def clean(s):
        s = s.replace("**", "").replace("*", "x").replace(" + ", "+")
        return re.sub(r"[^A-Za-z0-9+x]+", "_", s).strip("_")
    return f"{clean(left)}_to_{clean(right)}"


def read_manifest(path) -> list[Entry]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ManifestError(f"manifest not found: {path}") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ManifestError(f"cannot read manifest {path}: {e}") from None
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or set(defaults) - {"method"}:
        raise ManifestError(f"{path}: [defaults] may only set method")
    unknown = set(data) - {"defaults", "basis"}
    if unknown:
        raise ManifestError(f"{path}: unknown section {sorted(unknown)[0]!r}")
    items = data.get("basis", [])
    if not isinstance(items, list):
        raise ManifestError(f"{path}: 'basis' must be an array of tables ([[basis]])")
    entries, names = [], set()
    for k, item in enumerate(items, 1):
        where = f"{path}: [[basis]] entry {k}"
        if not isinstance(item, dict) or "spec" not in item:
            raise ManifestError(f"{where} has no spec")
        if set(item) - ENTRY_KEYS:
            raise ManifestError(f"{where}: unknown key {sorted(set(item) - ENTRY_KEYS)[0]!r}")
        try:
            spec = str(parse_spec(item["spec"]))
        except ValueError as e:
            raise ManifestError(f"{where}: invalid spec {item['spec']!r}: {e}") from None
        method = item.get("method", defaults.get("method", "auto"))
        if method not in METHODS:
            raise ManifestError(f"{where}: unknown method {method!r}")
        name = item.get("name") or default_name(spec)
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            raise ManifestError(f"{where}: invalid name {name!r}")
        if name in names:
            raise ManifestError(f"{where}: duplicate name {name!r}")
        names.add(name)
        entries.append(Entry(spec, name, method))
    return entries


def up_to_date(entry: Entry, path: Path) -> bool:
    from .io import load

    if not path.exists():
        return False
    try:
        b = load(path)
    except ValueError:
        return False
    method_ok = entry.method == "auto" or b.method == entry.method
    return (b.spec == entry.spec and method_ok
            and b.attrs.get("intertwine_version") == __version__)


def run_batch(entries: list[Entry], out_dir: Path, jobs: int = 1, force: bool = False,
              echo=print) -> list[Entry]:
    """Compute the entries in order; returns the entries that failed."""
    from .api import compute

    failures = []
    for entry in entries:
        path = out_dir / f"{entry.name}.h5"
        if not force and up_to_date(entry, path):
            echo(f"up to date  {path}")
            continue
        start = time.perf_counter()
        try:
            b = compute(entry.spec, entry.method)
            b.save(path)
        except (ValueError, RuntimeError, MemoryError) as e:
            failures.append(entry)
            echo(f"FAILED      {entry.spec}: {e}")
            continue
        echo(f"wrote       {path}  ({b.n_basis} elements, {time.perf_counter() - start:.2f} s)")
    echo(f"{len(entries) - len(failures)} of {len(entries)} bases ready in {out_dir}")
    return failures
