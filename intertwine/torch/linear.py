"""``EquivariantLinear``: y[:, o] = sum_c sum_m w[o, c, m] B_m x[:, c] + equivariant bias."""

from __future__ import annotations

import torch

from ..layers.layerdata import LayerData
from .appliers import make_applier
from .init import reset_equivariant


class EquivariantLinear(torch.nn.Module):
    """An equivariant linear layer on the basis of a file, a spec or a ``Basis``.

    Maps x of shape (batch, in_channels, dim_in) (any leading shape) to y of shape
    (batch, out_channels, dim_out).  Trainable: ``weight`` (out_channels, in_channels,
    n_basis) and, when ``bias`` and rho_out has invariant vectors, ``bias``
    (out_channels, n_bias).  ``strategy`` picks how the basis is applied ("auto",
    "pattern", "coo", "sparse"; see ``intertwine.torch.appliers``).

    ``scaling`` says how a partition-labelled S(n) file is applied at set sizes other
    than its own: "none" (B_m as defined at every n: outputs grow with n) or "mean"
    (sums become means, rescaled to agree at the file's n, and a matching
    initialisation: the output variance stays within 2x of the input's at every n; see
    docs/layers_between.rst).  It changes nothing at the file's sizes.

    >>> layer = EquivariantLinear("S(5): V**2 -> V**2", in_channels=3, out_channels=4)
    >>> tuple(layer.weight.shape), tuple(layer.bias.shape)
    ((4, 3, 15), (4, 2))
    >>> layer(torch.randn(8, 3, 25)).shape
    torch.Size([8, 4, 25])
    """

    def __init__(self, basis, in_channels: int = 1, out_channels: int = 1, bias: bool = True,
                 *, strategy: str = "auto", scaling: str = "none", device=None, dtype=None):
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError("in_channels and out_channels must be at least 1")
        data = LayerData.of(basis)
        self.spec, self.dim_in, self.dim_out = data.spec, data.dim_in, data.dim_out
        self.in_channels, self.out_channels = in_channels, out_channels
        self.data = data
        self.applier = make_applier(data, strategy, scaling).to(
            device=device, dtype=dtype or torch.get_default_dtype())
        factory = {"device": device, "dtype": dtype}
        self.weight = torch.nn.Parameter(torch.empty(out_channels, in_channels,
                                                     data.n_basis, **factory))
        if bias and self.applier.n_bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels, self.applier.n_bias,
                                                       **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, gain: float = 1.0) -> None:
        """Variance-preserving initialisation (``intertwine.torch.init``); bias zero."""
        reset_equivariant(self.weight, self.applier.init_std(self.in_channels, gain))
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)

    def weight_matrix(self) -> torch.Tensor:
        """The dense W of shape (out_channels, in_channels, dim_out, dim_in)."""
        return self.applier.weights(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if getattr(self.applier, "fuses_bias", False):  # any-n S(n): bias inside the plan
            return self.applier(self.weight, x, self.bias)
        y = self.applier(self.weight, x)
        if self.bias is not None:
            y = self.applier.add_bias(y, self.bias)
        return y

    def extra_repr(self) -> str:
        return (f"{self.spec!r}, in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, bias={self.bias is not None}")
