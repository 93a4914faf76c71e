"""Initialisation that keeps the output variance at the input variance.

For inputs of independent entries of variance s^2, a layer whose weights are
w[o, c, m] ~ N(0, std_m^2) with

    std_m^2 = gain^2 * rows / (in_channels * n_basis * ||B_m||_F^2)

(rows = dim_out for a linear layer, c_out for a convolution kernel) gives outputs whose
variance, averaged over output coordinates, is gain^2 s^2: every basis element
contributes an equal share.  ||B_m||_F^2 is one bincount over the file's entries
(milliseconds).  escnn's ``generalized_he_init`` rests on the same count; use
gain = sqrt(2) before a ReLU (He et al. 2015).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["reset_equivariant"]


@torch.no_grad()
def reset_equivariant(weight: torch.Tensor, std: np.ndarray) -> None:
    """Fill weight (..., n_basis) with N(0, std_m^2) per element m."""
    scale = torch.as_tensor(std, dtype=weight.dtype, device=weight.device)
    weight.normal_().mul_(scale)
