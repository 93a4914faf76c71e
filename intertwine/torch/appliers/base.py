"""The interface every applier implements, and what they share (shapes, the bias).

An applier holds a basis as buffers and computes, for weights w of shape
(out_channels, in_channels, n_basis), the layer's output for x of shape
(..., in_channels, dim_in).  Layers call only ``forward``, ``add_bias``, ``weights``
and ``init_std``, so a strategy can handle other input shapes (any-n layers) too.
"""

from __future__ import annotations

import numpy as np
import torch

from ...layers.layerdata import LayerData
from ..precision import Float64Buffers


class Applier(Float64Buffers):
    """Base class: the bias from rho_out's invariant vectors, and input shape checks."""

    #: the name ``EquivariantLinear(..., strategy=NAME)`` selects
    name = ""

    def __init__(self, data: LayerData):
        super().__init__()
        self.spec, self.dim_in, self.dim_out = data.spec, data.dim_in, data.dim_out
        self.n_basis = data.n_basis
        self._data = data
        orbit = data.bias_orbits()
        if orbit is not None:  # permutation rho_out: the bias is a gather b[:, orbit]
            self.register_buffer("bias_orbit", torch.as_tensor(orbit), persistent=False)
            self.bias_vectors = None
        else:
            self.bias_orbit = None
            self.register_buffer("bias_vectors", torch.as_tensor(data.bias_vectors()),
                                 persistent=False)
        self.n_bias = data.n_bias

    def init_std(self, in_channels: int, gain: float = 1.0,
                 rows_per_output: int | None = None) -> np.ndarray:
        """Standard deviation of each weight (n_basis,): see ``LayerData.init_std``."""
        return self._data.init_std(in_channels, rows_per_output, gain)

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        """W of shape (out_channels, in_channels, dim_out, dim_in), sum_m w[o, c, m] B_m."""
        raise NotImplementedError

    def forward(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """y of shape (..., out_channels, dim_out); by default through ``weights``."""
        lead = self.check_input(w, x)
        out_channels, in_channels = w.shape[:2]
        big = self.weights(w).permute(1, 3, 0, 2).reshape(in_channels * self.dim_in,
                                                          out_channels * self.dim_out)
        y = x.reshape(-1, in_channels * self.dim_in) @ big
        return y.reshape(*lead, out_channels, self.dim_out)

    def bias_term(self, b: torch.Tensor) -> torch.Tensor:
        """sum_j b[o, j] v_j, shape (out_channels, dim_out)."""
        if self.bias_orbit is not None:
            return b[:, self.bias_orbit]
        return b @ self.bias_vectors.to(b.dtype)

    def add_bias(self, y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return y + self.bias_term(b)

    def check_input(self, w: torch.Tensor, x: torch.Tensor) -> tuple[int, ...]:
        """The leading (batch) shape of x, after checking its last two axes."""
        if x.dim() < 2 or tuple(x.shape[-2:]) != (w.shape[1], self.dim_in):
            raise ValueError(f"{self.spec}: expected input of shape (..., {w.shape[1]}, "
                             f"{self.dim_in}) (in_channels, dim_in), got {tuple(x.shape)}")
        return tuple(x.shape[:-2])

    def extra_repr(self) -> str:
        return f"{self.name}: {self.spec!r}"
