"""The block size every orbit algorithm works in: one setting, read at each use.

Large enough that numpy's per-call overhead vanishes, small enough that the temporaries
of a block stay in cache and add little memory.  Tests shrink it (as ``orbit._CHUNK``,
the package's name for the same setting) so that small cases cross block boundaries.
"""

from __future__ import annotations

__all__ = ["chunk_size", "set_chunk_size", "DEFAULT_CHUNK"]

#: entries handled per block by default
DEFAULT_CHUNK = 1 << 19

_chunk = [DEFAULT_CHUNK]  # one cell: read at each call, changed only by set_chunk_size


def chunk_size() -> int:
    """Entries handled per block, read at each call so that one setting governs every
    algorithm."""
    return _chunk[0]


def set_chunk_size(entries: int) -> None:
    """Handle ``entries`` entries per block from now on."""
    _chunk[0] = entries
