"""Steerable convolutions from kernel bases ``G: Rin -> Rout * Grid(k)`` (docs/specs.rst).

The layer's weight is built from w (out_channels, in_channels, n_basis) by the same
appliers as ``EquivariantLinear`` (for orbit files one gather straight into the layout
below: ``PatternApplier.conv_index``), laid out as
(out_channels * c_out, in_channels * c_in, k, ..., k) -- channel o * c_out + a is
component a of output field o -- and passed to ``torch.nn.functional.conv2d``/``conv3d``.
``export()`` gives the plain ``torch.nn.Conv2d``/``Conv3d`` to deploy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..layers.kerneldata import KernelData, conv_padding
from .appliers import make_applier
from .appliers.pattern import PatternApplier
from .init import reset_equivariant
from .precision import Float64Buffers

__all__ = ["EquivariantConv2d", "EquivariantConv3d"]


#: a pattern layer keeps an index in the conv weight's layout (int32: as many bytes as
#: the float32 weight each forward builds) up to this many weight entries (512 MiB);
#: a larger layer gathers through its pattern and permutes, holding no such index
CONV_INDEX_ENTRIES = 2**27


class EquivariantConv(Float64Buffers):
    """What the 2-d and 3-d layers share (``ndim`` tells them apart)."""

    ndim = 2

    def __init__(self, basis, in_channels: int = 1, out_channels: int = 1, stride=1,
                 padding="same", dilation=1, bias: bool = True, *,
                 kernel_size: int | None = None, strategy: str = "auto",
                 device=None, dtype=None):
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError("in_channels and out_channels must be at least 1")
        data = KernelData.of(basis, kernel_size, self.ndim)
        self.data, self.spec = data, data.spec
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = data.kernel_size, stride, dilation
        self.padding = conv_padding(padding, data.kernel_size, dilation)
        dtype = dtype or torch.get_default_dtype()
        self.applier = make_applier(data, strategy).to(device=device, dtype=dtype)
        entries = out_channels * in_channels * self.applier.dim_out * self.applier.dim_in \
            if isinstance(self.applier, PatternApplier) else None
        if entries is not None and entries <= CONV_INDEX_ENTRIES:  # W by one gather
            self.register_buffer("conv_index", self.applier.conv_index(
                out_channels, in_channels, data.pixels), persistent=False)
        else:
            self.conv_index = None
        factory = {"device": device, "dtype": dtype}
        self.weight = torch.nn.Parameter(torch.empty(out_channels, in_channels,
                                                     data.n_basis, **factory))
        if bias and data.n_bias:
            self.bias = torch.nn.Parameter(torch.empty(out_channels, data.n_bias, **factory))
            self.register_buffer("bias_vectors", torch.as_tensor(  # float64: see precision
                data.bias_vectors(), dtype=torch.float64), persistent=False)
            self.bias_vectors = self.bias_vectors.to(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, gain: float = 1.0) -> None:
        """Variance-preserving initialisation (``intertwine.torch.init``); bias zero."""
        std = self.applier.init_std(self.in_channels, gain, rows_per_output=self.data.c_out)
        reset_equivariant(self.weight, std)
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)

    def conv_weight(self) -> torch.Tensor:
        """The filter bank (out_channels*c_out, in_channels*c_in, k, ..., k)."""
        d = self.data
        if self.conv_index is not None:
            shape = (self.out_channels * d.c_out, self.in_channels * d.c_in,
                     *(d.kernel_size,) * self.ndim)
            padded = torch.cat([self.weight, self.weight.new_zeros(
                self.out_channels, self.in_channels, 1)], dim=2)
            return padded.view(-1).index_select(0, self.conv_index).view(shape)
        w = self.applier.weights(self.weight)  # (O, C, c_out * k^d, c_in)
        w = w.reshape(self.out_channels, self.in_channels, d.c_out,
                      *(d.kernel_size,) * self.ndim, d.c_in)
        spatial = tuple(range(3, 3 + self.ndim))
        w = w.permute(0, 2, 1, 3 + self.ndim, *spatial)
        return w.reshape(self.out_channels * d.c_out, self.in_channels * d.c_in,
                         *(d.kernel_size,) * self.ndim)

    def conv_bias(self) -> torch.Tensor | None:
        """The bias per output channel, (out_channels*c_out,), or None."""
        if self.bias is None:
            return None
        return (self.bias @ self.bias_vectors).reshape(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = F.conv2d if self.ndim == 2 else F.conv3d
        return conv(x, self.conv_weight(), self.conv_bias(), self.stride, self.padding,
                    self.dilation)

    @torch.no_grad()
    def export(self) -> torch.nn.Module:
        """A plain ``torch.nn.Conv2d``/``Conv3d`` with the current weights: same outputs,
        no intertwine needed to run it."""
        cls = torch.nn.Conv2d if self.ndim == 2 else torch.nn.Conv3d
        weight = self.conv_weight()
        plain = cls(weight.shape[1], weight.shape[0], self.kernel_size, self.stride,
                    self.padding, self.dilation, bias=self.bias is not None,
                    device=weight.device, dtype=weight.dtype)
        plain.weight.copy_(weight)
        if self.bias is not None:
            plain.bias.copy_(self.conv_bias())
        return plain

    def extra_repr(self) -> str:
        return (f"{self.spec!r}, in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, "
                f"bias={self.bias is not None}")


class EquivariantConv2d(EquivariantConv):
    """A G-steerable 2-D convolution on the kernel basis ``G: Rin -> Rout * Grid(k)``.

    Input (batch, in_channels * c_in, H, W): ``in_channels`` fields of type Rin
    (dimension c_in), field-major; output (batch, out_channels * c_out, H', W').
    Trainable: ``weight`` (out_channels, in_channels, n_basis), ``bias``
    (out_channels, n_bias) for the invariant vectors of Rout.  ``kernel_size`` is read
    from the spec's ``Grid(k)``; give it for a basis with an equivalent pixel group.

    >>> conv = EquivariantConv2d("Perm(9; (0 6 8 2)(1 3 7 5)): 1 -> V", 2, 4,
    ...                          kernel_size=3)
    >>> conv(torch.randn(1, 2, 8, 8)).shape
    torch.Size([1, 4, 8, 8])
    """

    ndim = 2


class EquivariantConv3d(EquivariantConv):
    """As :class:`EquivariantConv2d` on voxels: kernel bases ``Octa: Rin -> Rout *
    Grid(k)``, input (batch, in_channels * c_in, D, H, W)."""

    ndim = 3
