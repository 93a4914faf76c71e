"""What the orbit algorithms share: the block size."""

from __future__ import annotations


def chunk_size() -> int:
    """Entries handled per block: ``intertwine.solvers.orbit._CHUNK``, read at each call
    so that one setting (tests shrink it) governs every algorithm."""
    from . import _CHUNK

    return _CHUNK
