"""The zero-dimensional representation: what ``Problem.model`` puts in place of a part
with no coordinates (``alt(V, 4)`` of S(3), a product with such a factor), so that
nothing is built for it.  Never parsed, never printed in a file."""

from .base import Zero

__all__ = ["Zero"]
