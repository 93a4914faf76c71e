"""Decomposition of a representation into irreducibles (``intertwine decompose``).

``decompose("GROUP : REP")`` gives the irreps with their multiplicities and the change
of basis Q; ``files`` reads, writes and verifies the decomposition files.  See
docs/decompose.rst.
"""

from .core import (
    DECOMPOSE_METHODS,
    Decomposition,
    choose_method,
    decompose,
    irreps_only,
    irreps_string,
)
from .field import Field, parse_field

__all__ = ["decompose", "irreps_only", "Decomposition", "choose_method", "irreps_string",
           "parse_field", "Field", "DECOMPOSE_METHODS"]
