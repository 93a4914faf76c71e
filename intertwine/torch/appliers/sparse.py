"""Sparse bases applied entry by entry, never forming W (for bases with few nonzeros).

y[b, o, i] = sum over entries (m, i, j, v) of v * sum_c w[o, c, m] x[b, c, j]: the
input is gathered at the entries' columns, contracted with the entries' weights over
the input channels (a batched product over entries), and scattered into the rows.
Work and memory are O(batch * channels * nnz) instead of O(channels^2 dim_out dim_in),
which wins when nnz is a small fraction of dim_out * dim_in.
"""

from __future__ import annotations

import torch

from ...layerdata import LayerData
from .coo import CooApplier


class SparseApplier(CooApplier):
    name = "sparse"

    def __init__(self, data: LayerData):
        super().__init__(data)
        row = torch.div(self.entry_flat, self.dim_in, rounding_mode="floor")
        self.register_buffer("entry_row", row, persistent=False)
        self.register_buffer("entry_col", self.entry_flat - row * self.dim_in,
                             persistent=False)

    def forward(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        lead = self.check_input(w, x)
        out_channels, in_channels = w.shape[:2]
        x = x.reshape(-1, in_channels, self.dim_in)
        picked = x[:, :, self.entry_col]                                  # (B, C, nnz)
        scaled = w[:, :, self.entry_index] * self.entry_value.to(w.dtype)  # (O, C, nnz)
        per_entry = torch.einsum("bcn,ocn->bon", picked, scaled)
        y = x.new_zeros(x.shape[0], out_channels, self.dim_out)
        y = y.index_add(2, self.entry_row, per_entry)
        return y.reshape(*lead, out_channels, self.dim_out)
