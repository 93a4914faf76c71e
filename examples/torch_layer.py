"""An equivariant linear layer in PyTorch, built from an intertwine basis file.

The layer's weight is W = sum_k weight[k] B_k: only the N numbers ``weight`` are trained,
and W is rebuilt from them in every forward pass, so autograd reaches them through the
expansion.  Both encodings of the file format are handled:

- ``pattern`` (weight sharing, e.g. every permutation-group basis): W = weight[pattern],
  0 where the pattern is -1: a gather;
- ``coo`` (exact or numeric bases of other groups): W = B @ weight with B a sparse
  (dim_out*dim_in, N) matrix.

An optional bias must be equivariant too: it is the basis of ``G: 1 -> REP_OUT`` (compute
it with ``intertwine basis "G: 1 -> REP_OUT" -o bias.h5``).

Run it on a file to check equivariance numerically with the generators stored in the file
(layer(rho_in(g) x) == rho_out(g) layer(x)) and to take one gradient step:

    python examples/torch_layer.py bases/maron_s5_t2_t2.h5
"""

from __future__ import annotations

import sys

import h5py
import numpy as np
import torch


def _coo_arrays(group: h5py.Group) -> tuple[np.ndarray, ...]:
    index, row, col = (group[k][()].astype(np.int64) for k in ("index", "row", "col"))
    return index, row, col, group["value"][()].astype(np.float64)


def _sparse(rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
            shape: tuple[int, int]) -> torch.Tensor:
    # check_invariants: indices out of range raise here instead of crashing later
    return torch.sparse_coo_tensor(torch.as_tensor(np.stack([rows, cols])),
                                   torch.as_tensor(values), shape,
                                   check_invariants=True).coalesce()


def _matrices(group: h5py.Group, dim: int) -> list[torch.Tensor]:
    """The stored generator matrices of one kind, as sparse (dim, dim) tensors."""
    index, row, col, value = _coo_arrays(group)
    return [_sparse(row[index == k], col[index == k], value[index == k], (dim, dim))
            for k in range(int(group.attrs["count"]))]


def read_basis(path: str) -> dict:
    """Sizes, the basis and the stored generators of one file (h5py only)."""
    with h5py.File(path, "r") as f:
        a = f.attrs
        if a["format"] != "intertwine.basis" or a["format_version"] != 1:
            raise ValueError(f"{path}: not an intertwine basis file (format version 1)")
        n, dim_out, dim_in = int(a["n_basis"]), int(a["dim_out"]), int(a["dim_in"])
        out = {"n": n, "dim_out": dim_out, "dim_in": dim_in,
               **{key: str(a[key]) for key in ("spec", "group", "rep_in", "rep_out")}}
        if a["encoding"] == "pattern":
            out["pattern"] = torch.as_tensor(f["pattern"][()].astype(np.int64))
        else:  # (dim_out*dim_in, N): column k is vec(B_k), row-major
            index, row, col, value = _coo_arrays(f["basis"])
            out["basis"] = _sparse(row * dim_in + col, index, value, (dim_out * dim_in, n))
        gens = f["generators"]
        for kind, dim in (("in", dim_in), ("out", dim_out), ("lie_in", dim_in),
                          ("lie_out", dim_out)):
            if kind in gens:
                out[kind] = _matrices(gens[kind], dim)
    return out


class EquivariantLinear(torch.nn.Module):
    """y = W x (+ bias), with W in the span of the basis stored at ``path``.

    Input (..., dim_in), output (..., dim_out), like torch.nn.Linear.
    """

    def __init__(self, path: str, bias_path: str | None = None,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        basis = read_basis(path)
        self.spec, self.dim_in, self.dim_out = basis["spec"], basis["dim_in"], basis["dim_out"]
        if "pattern" in basis:
            pattern = basis["pattern"]
            self.register_buffer("index", pattern.clamp(min=0))
            self.register_buffer("mask", (pattern >= 0).to(dtype))
            self.register_buffer("basis", None)
        else:
            self.register_buffer("basis", basis["basis"].to(dtype))
        self.weight = torch.nn.Parameter(torch.randn(basis["n"], dtype=dtype)
                                         / max(self.dim_in, 1) ** 0.5)
        self.register_buffer("bias_basis", None)
        self.register_parameter("bias", None)
        if bias_path is not None:
            bias = read_basis(bias_path)
            wanted = f"{basis['group']}: 1 -> {basis['rep_out']}"
            if bias["spec"] != wanted:
                raise ValueError(f"{bias_path} holds {bias['spec']}; a bias for this layer "
                                 f"is the basis of {wanted}")
            self.bias_basis = _dense(bias).to(dtype)  # (dim_out, N_bias)
            self.bias = torch.nn.Parameter(torch.zeros(bias["n"], dtype=dtype))

    def weight_matrix(self) -> torch.Tensor:
        if self.basis is None:
            return self.weight[self.index] * self.mask
        return torch.sparse.mm(self.basis, self.weight[:, None]).view(self.dim_out,
                                                                       self.dim_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x @ self.weight_matrix().T
        if self.bias_basis is not None:
            y = y + self.bias_basis @ self.bias
        return y


def _dense(basis: dict) -> torch.Tensor:
    """(dim_out*dim_in, N) dense basis: only for small ones such as biases."""
    if "pattern" in basis:
        p = basis["pattern"].reshape(-1, 1)
        return (p == torch.arange(basis["n"])).double()
    return basis["basis"].to_dense()


def equivariance_residuals(layer: EquivariantLinear, basis: dict) -> list[float]:
    """max |layer(g x) - g layer(x)| for each stored generator, on a random batch."""
    x = torch.randn(4, layer.dim_in, dtype=torch.float64)
    with torch.no_grad():
        y = layer(x)
        residuals = []
        for kind_in, kind_out in (("in", "out"), ("lie_in", "lie_out")):
            for g_in, g_out in zip(basis.get(kind_in, []), basis.get(kind_out, [])):
                moved_first = layer(torch.sparse.mm(g_in, x.T).T)   # transform the input
                moved_after = torch.sparse.mm(g_out, y.T).T         # or the output
                if kind_in == "lie_in":  # infinitesimal: the (invariant) bias drops out
                    moved_first = moved_first - layer(torch.zeros_like(x))
                diff = moved_first - moved_after
                residuals.append(float(diff.abs().max()) if diff.numel() else 0.0)
    return residuals


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("python examples/torch_layer.py BASIS.h5 [BIAS.h5]", file=sys.stderr)
        return 2
    torch.manual_seed(0)
    try:
        layer = EquivariantLinear(argv[0], *argv[1:], dtype=torch.float64)
    except (OSError, KeyError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if len(argv) == 2:
        with torch.no_grad():
            layer.bias.normal_()
    residuals = equivariance_residuals(layer, read_basis(argv[0]))
    worst = max(residuals, default=0.0)
    ok = worst <= 1e-9
    # one training step: the gradient reaches the N shared weights through W
    loss = layer(torch.randn(8, layer.dim_in, dtype=torch.float64)).pow(2).mean()
    loss.backward()
    trained = layer.weight.grad is not None and layer.weight.grad.shape == layer.weight.shape
    print(f"{layer.spec}: {layer.weight.numel()} trainable weights"
          f"{' + ' + str(layer.bias.numel()) + ' bias' if len(argv) == 2 else ''}; "
          f"{len(residuals)} generator(s), max equivariance residual {worst:.1e}: "
          f"{'equivariant' if ok else 'NOT equivariant'}; gradient "
          f"{'ok' if trained else 'MISSING'}")
    return 0 if ok and trained else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
