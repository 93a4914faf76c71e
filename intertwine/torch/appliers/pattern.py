"""Pattern files (0/1 elements with disjoint supports): W = w[..., pattern], one gather.

The pattern is held once as int64 with -1 replaced by n_basis, and w gets a zero
column appended, so the -1 positions read 0 without a mask.  The gather's backward is
a scatter-add into the n_basis weights: the sharing is exact and costs one pass over
the pattern per forward and backward.

A convolution needs W in its own layout, (out_channels*c_out, in_channels*c_in, k^d):
``conv_index`` composes the pattern with that layout once, so the layer's weight is one
``index_select`` from the flat w (backward: one ``index_add``), with no permuted copy.
"""

from __future__ import annotations

import torch

from ...layers.layerdata import LayerData
from .base import Applier


class PatternApplier(Applier):
    name = "pattern"

    def __init__(self, data: LayerData):
        super().__init__(data)
        if data.basis.pattern is None:
            raise ValueError(f"{data.spec}: strategy 'pattern' needs a pattern file, this "
                             f"basis is stored as coo")
        self.register_buffer("index", torch.as_tensor(data.flat_pattern()), persistent=False)

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        padded = torch.cat([w, w.new_zeros(*w.shape[:2], 1)], dim=2)
        return padded[:, :, self.index].reshape(*w.shape[:2], self.dim_out, self.dim_in)

    def conv_index(self, out_channels: int, in_channels: int, pixels: int) -> torch.Tensor:
        """The flat position in concat(w, 0), of shape (out_channels, in_channels,
        n_basis + 1), of every entry of the convolution weight (out_channels * c_out,
        in_channels * c_in, pixels) in row-major order: W_conv = that gather.  int32
        when the positions fit (half the memory of int64, and as fast): the layer keeps
        as many bytes as the float32 weight that each forward builds."""
        c_in = self.dim_in
        c_out = self.dim_out // pixels
        slots = self.n_basis + 1
        dtype = torch.int32 if out_channels * in_channels * slots < 2**31 else torch.int64
        # B_m's row a*pixels + v, column b (docs/specs.rst) -> (a, b, v)
        pattern = self.index.to(dtype).view(c_out, pixels, c_in).permute(0, 2, 1)
        blocks = torch.arange(out_channels * in_channels, dtype=dtype,
                              device=self.index.device) * slots
        blocks = blocks.view(out_channels, 1, in_channels, 1, 1)
        return (blocks + pattern.unsqueeze(1)).reshape(-1)
