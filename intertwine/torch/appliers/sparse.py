"""Sparse bases applied element by element, never forming W (for bases with few nonzeros).

First every B_m is applied to every input channel, z[b, c, m] = B_m x[b, c]: the input
is gathered at the entries' columns, scaled by their values and scattered into
(element, row) slots; then the channels and elements are contracted with the weights,
y[b, o] = sum_{c, m} w[o, c, m] z[b, c, m], one dense matmul.  Work is
O(batch * (in_channels * nnz + out_channels * in_channels * n_basis * dim_out)) against
O(out_channels * in_channels * dim_out * dim_in * batch) through W: it wins when nnz is a
small fraction of dim_out * dim_in and n_basis is small against dim_in.
"""

from __future__ import annotations

import torch

from ...layers.layerdata import LayerData
from .coo import CooApplier


class SparseApplier(CooApplier):
    name = "sparse"

    def __init__(self, data: LayerData):
        super().__init__(data)
        row = torch.div(self.entry_flat, self.dim_in, rounding_mode="floor")
        self.register_buffer("entry_slot", self.entry_index * self.dim_out + row,
                             persistent=False)
        self.register_buffer("entry_col", self.entry_flat - row * self.dim_in,
                             persistent=False)

    def forward(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        lead = self.check_input(w, x)
        out_channels, in_channels = w.shape[:2]
        x = x.reshape(-1, in_channels, self.dim_in)
        batch = x.shape[0]
        source = x[:, :, self.entry_col] * self.entry_value.to(x.dtype)   # (B, C, nnz)
        z = x.new_zeros(batch, in_channels, self.n_basis * self.dim_out)
        z = z.index_add(2, self.entry_slot, source)                        # (B, C, n*dim_out)
        z = z.reshape(batch, in_channels * self.n_basis, self.dim_out)
        y = torch.matmul(w.reshape(out_channels, in_channels * self.n_basis), z)
        return y.reshape(*lead, out_channels, self.dim_out)
