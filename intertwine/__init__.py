"""intertwine: bases of equivariant linear maps (intertwiners), exact and fast.

>>> import intertwine
>>> intertwine.compute("S(5): V**2 -> V**2").n_basis
15
"""

__version__ = "0.1.0"

from .api import compute, dim, load  # noqa: E402
from .basis import Basis  # noqa: E402
from .spec import SpecError, parse_spec  # noqa: E402

__all__ = ["compute", "dim", "load", "Basis", "SpecError", "parse_spec", "__version__"]
