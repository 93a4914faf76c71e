"""Equivariant layers for PyTorch, built from intertwine bases (``pip install
intertwine[torch]``): a basis file precomputed once serves every model, and loading it
runs no solver.

- :class:`EquivariantLinear` -- y[:, o] = sum_c sum_m w[o, c, m] B_m x[:, c] + bias;
- :class:`EquivariantConv2d`, :class:`EquivariantConv3d` -- steerable convolutions on
  kernel bases ``G: Rin -> Rout * Grid(k)``, ``export()`` to plain ``torch.nn.Conv2d``;
- :func:`check_equivariance` -- the largest error under random group elements;
- between layers, for a field ``"GROUP : REP"``: :class:`PointwiseNonlinearity`,
  :class:`NormNonlinearity`, :class:`GatedNonlinearity`, :class:`GroupPooling`,
  :class:`EquivariantBatchNorm` (``between``);
- ``appliers`` -- how a basis is applied (pattern gather, coo scatter, sparse entries).
"""

from .between import (
                      EquivariantBatchNorm,
                      GatedNonlinearity,
                      GroupPooling,
                      NormNonlinearity,
                      PointwiseNonlinearity,
)
from .check import check_equivariance
from .conv import EquivariantConv2d, EquivariantConv3d
from .linear import EquivariantLinear

__all__ = ["EquivariantBatchNorm", "EquivariantConv2d", "EquivariantConv3d",
           "EquivariantLinear", "GatedNonlinearity", "GroupPooling", "NormNonlinearity",
           "PointwiseNonlinearity", "check_equivariance"]
