"""Float buffers that keep the file's float64 precision through dtype changes.

A layer built in float32 holds its basis values (coo entries, bias vectors, any-n plans)
as float32 buffers.  ``torch.nn.Module.to(torch.float64)`` (or ``.double()``) would then
upcast the float32 values: an irrational basis (the irreducible representations of C(5)
or D(3), a Lorentz basis with 1/3) stays accurate to float32 only, and the layer is
equivariant to 1e-7 instead of 1e-15.  A module with this mixin remembers each float
buffer in float64 when it is registered and rebuilds it from that copy at every dtype
change, so ``.double()`` gives what a float64 layer would have had from the start.
"""

from __future__ import annotations

import torch

__all__ = ["Float64Buffers"]


class Float64Buffers(torch.nn.Module):
    """Mixin for modules whose float buffers come from a basis file (float64)."""

    def register_buffer(self, name, tensor, persistent=True):
        if tensor is not None and tensor.is_floating_point():
            masters = self.__dict__.setdefault("_float64_masters", {})
            masters[name] = tensor.detach().to("cpu", torch.float64, copy=True)
        super().register_buffer(name, tensor, persistent)

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        for name, master in self.__dict__.get("_float64_masters", {}).items():
            buffer = self._buffers.get(name)
            if buffer is not None and buffer.is_floating_point():
                self._buffers[name] = master.to(buffer.device, buffer.dtype)
        return self
