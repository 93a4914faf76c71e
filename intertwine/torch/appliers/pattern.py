"""Pattern files (0/1 elements with disjoint supports): W = w[..., pattern], one gather.

The pattern is held once as int64 with -1 replaced by n_basis, and w gets a zero
column appended, so the -1 positions read 0 without a mask.  The gather's backward is
a scatter-add into the n_basis weights: the sharing is exact and costs one pass over
the pattern per forward and backward.
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
