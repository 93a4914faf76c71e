"""What every solver returns: a small typed result, not a bare dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..coo import Coo

__all__ = ["SolveResult"]


@dataclass
class SolveResult:
    """A basis as the solvers produce it: either a ``pattern`` (0/1 elements with disjoint
    supports: an array, or a source that fills bands of rows) or ``coo`` entries, with
    ``attrs`` (diagnostics that go into the file)."""

    n_basis: int
    pattern: Any = None  # np.ndarray, or solvers.orbit.SymmetricPattern when streamed
    coo: Coo | None = None
    attrs: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        """``result["pattern"]`` as in 0.1, where solvers returned dicts."""
        return getattr(self, key)

    def get(self, key: str, default=None):
        value = getattr(self, key, default)
        return default if value is None else value
