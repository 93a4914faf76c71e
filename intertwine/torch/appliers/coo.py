"""Coo files (any basis): W = sum_m w_m B_m as a sparse product, scattered from entries.

Each stored entry B_m[i, j] = v adds w[o, c, m] * v to W[o, c, i, j]: a gather of w by
the entries' element index, a scale, and one index_add over the entries' flat position,
which is the sparse (dim_out*dim_in, n_basis) @ (n_basis, channels) product written with
dense-tensor operations (so torch.compile traces it without a graph break).
"""

from __future__ import annotations

import torch

from ...layers.layerdata import LayerData
from .base import Applier


class CooApplier(Applier):
    name = "coo"

    def __init__(self, data: LayerData):
        super().__init__(data)
        index, flat, value = data.entries()
        self.register_buffer("entry_index", torch.as_tensor(index), persistent=False)
        self.register_buffer("entry_flat", torch.as_tensor(flat), persistent=False)
        self.register_buffer("entry_value", torch.as_tensor(value), persistent=False)

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        out_channels, in_channels = w.shape[:2]
        contributions = w[:, :, self.entry_index] * self.entry_value.to(w.dtype)
        flat = w.new_zeros(out_channels, in_channels, self.dim_out * self.dim_in)
        flat = flat.index_add(2, self.entry_flat, contributions)
        return flat.reshape(out_channels, in_channels, self.dim_out, self.dim_in)
