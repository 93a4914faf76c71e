"""Strategies that apply a basis to an input: one module each, chosen in ``make_applier``.

- ``pattern``: pattern files, W built by one gather per forward (``pattern.py``);
- ``coo``: any file, W built by scattering the stored entries (``coo.py``);
- ``sparse``: any file, applied entry by entry without W (``sparse.py``), chosen
  automatically when few positions of W are nonzero (``layerdata.automatic_strategy``).
- ``partitions``: S(n) files with partition labels and one tensor monomial on each side,
  applied at any n by diagonals, sums and broadcasts (``partitions.py``); chosen
  automatically for them.

A new strategy is a module with an :class:`Applier` subclass and one line in
``STRATEGIES`` (and, if it should be picked automatically, one in ``make_applier``).
"""

from __future__ import annotations

from ...layers.layerdata import LayerData, automatic_strategy
from ...partitions.reference import AnyN
from .base import Applier
from .coo import CooApplier
from .partitions import PartitionApplier
from .pattern import PatternApplier
from .sparse import SparseApplier

__all__ = ["STRATEGIES", "Applier", "make_applier"]

STRATEGIES: dict[str, type[Applier]] = {
    "pattern": PatternApplier,
    "coo": CooApplier,
    "sparse": SparseApplier,
    "partitions": PartitionApplier,
}


def make_applier(data: LayerData, strategy: str = "auto", scaling: str = "none") -> Applier:
    """The applier for ``data``: ``strategy`` is "auto" or a key of STRATEGIES;
    ``scaling`` (``intertwine.partitions.reference.SCALINGS``) matters only to the
    "partitions" strategy, the only one that runs at sizes other than the file's."""
    if strategy == "auto" and AnyN.applies(data.basis):  # any n; dense W where cheaper
        return PartitionApplier(data, scaling, dense_when_cheaper=True)
    if strategy == "auto":
        strategy = automatic_strategy(data)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: expected 'auto' or one of "
                         f"{', '.join(STRATEGIES)}")
    if strategy == "partitions":
        return PartitionApplier(data, scaling)
    return STRATEGIES[strategy](data)
