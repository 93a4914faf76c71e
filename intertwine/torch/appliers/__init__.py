"""Strategies that apply a basis to an input: one module each, chosen in ``make_applier``.

- ``pattern``: pattern files, W built by one gather per forward (``pattern.py``);
- ``coo``: any file, W built by scattering the stored entries (``coo.py``);
- ``sparse``: any file, applied entry by entry without W (``sparse.py``), chosen
  automatically when at most 1/SPARSE_BELOW of the positions of W are nonzero.

A new strategy is a module with an :class:`Applier` subclass and one line in
``STRATEGIES`` (and, if it should be picked automatically, one in ``_automatic``).
"""

from __future__ import annotations

from ...layerdata import LayerData
from .base import Applier
from .coo import CooApplier
from .pattern import PatternApplier
from .sparse import SparseApplier

__all__ = ["STRATEGIES", "Applier", "make_applier"]

STRATEGIES: dict[str, type[Applier]] = {
    "pattern": PatternApplier,
    "coo": CooApplier,
    "sparse": SparseApplier,
}

#: a basis whose nonzero positions are fewer than 1/SPARSE_BELOW of W's is applied
#: entry by entry (measured in bench/run.py's layer section)
SPARSE_BELOW = 16


def _automatic(data: LayerData) -> str:
    if data.density() * SPARSE_BELOW < 1:
        return "sparse"
    return "pattern" if data.basis.pattern is not None else "coo"


def make_applier(data: LayerData, strategy: str = "auto") -> Applier:
    """The applier for ``data``: ``strategy`` is "auto" or a key of STRATEGIES."""
    if strategy == "auto":
        strategy = _automatic(data)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: expected 'auto' or one of "
                         f"{', '.join(STRATEGIES)}")
    return STRATEGIES[strategy](data)
