"""Load an intertwine basis file with h5py and numpy only, and use it as a layer.

A basis file holds B_0 ... B_{N-1}; an equivariant linear layer is W = sum_k w_k B_k with
N trainable numbers w.  This script reads the file without intertwine (any project that
has h5py can), applies the layer to a batch of inputs, and checks equivariance with the
group generators stored in the same file:  layer(rho_in(g) x) == rho_out(g) layer(x)
(and A_out layer(x) == layer(A_in x) for the Lie-algebra generators of continuous groups).

    python examples/load_numpy.py bases/maron_s5_t2_t2.h5
"""

from __future__ import annotations

import sys

import h5py
import numpy as np

ROWS_PER_BLOCK = 4096  # large patterns are expanded a block of rows at a time


class Coo:
    """Matrices stored as coo entries: matrix index[k] has value[k] at (row[k], col[k])."""

    def __init__(self, group: h5py.Group):
        self.index, self.row, self.col = (group[k][()].astype(np.int64)
                                          for k in ("index", "row", "col"))
        self.value = group["value"][()].astype(np.float64)

    def select(self, k: int) -> Coo:
        keep = self.index == k
        picked = object.__new__(Coo)
        picked.index, picked.row, picked.col, picked.value = (
            a[keep] for a in (self.index, self.row, self.col, self.value))
        return picked

    def matmul(self, x: np.ndarray, rows: int) -> np.ndarray:
        """This (single) matrix times each column of x, where x has shape (dim, batch)."""
        out = np.zeros((rows, x.shape[1]))
        np.add.at(out, self.row, self.value[:, None] * x[self.col])
        return out


def _generators(group: h5py.Group) -> tuple[Coo, int]:
    coo = Coo(group)
    count = group.attrs.get("count", coo.index.max() + 1 if len(coo.index) else 0)
    return coo, int(count)


def unreadable(path: str, encoding: str, spec: str) -> str:
    """What to do with a file whose entries are not stored (see the file format in the
    README: ``encoding`` is "pattern", "coo" or "partitions")."""
    if encoding == "partitions":
        return (f"{path}: a partitions-only file (encoding 'partitions'): it holds the "
                "set-partition labels of the basis, not its entries.\n"
                f"  Write the entries with: intertwine basis \"{spec}\" -o FILE (without "
                "--partitions-only),\n  or read it with intertwine: "
                "intertwine.load(path).dense(), or the layers, which apply it at any n.")
    return f"{path}: unknown encoding {encoding!r} (expected 'pattern' or 'coo')"


class Layer:
    """The equivariant linear layer of one basis file."""

    def __init__(self, path: str, seed: int = 0):
        with h5py.File(path, "r") as f:
            if f.attrs["format"] != "intertwine.basis" or f.attrs["format_version"] != 1:
                raise ValueError(f"{path}: not an intertwine basis file (format version 1)")
            self.spec = f.attrs["spec"]
            self.n = int(f.attrs["n_basis"])
            self.dim_out, self.dim_in = int(f.attrs["dim_out"]), int(f.attrs["dim_in"])
            encoding = f.attrs["encoding"]
            if encoding == "pattern":  # W[i, j] = w[pattern[i, j]], 0 where -1
                self.pattern, self.coo = f["pattern"][()], None
            elif encoding == "coo":  # W[row, col] += w[index] * value
                self.pattern, self.coo = None, Coo(f["basis"])
            else:
                raise ValueError(unreadable(path, encoding, self.spec))
            self.generators = {kind: _generators(f["generators"][kind])
                               for kind in ("in", "out", "lie_in", "lie_out")
                               if kind in f["generators"]}
        rng = np.random.default_rng(seed)
        self.w = rng.standard_normal(self.n) / np.sqrt(max(self.dim_in, 1))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """x: (dim_in, batch) -> (dim_out, batch)."""
        if self.coo is not None:
            out = np.zeros((self.dim_out, x.shape[1]))
            np.add.at(out, self.coo.row, (self.w[self.coo.index] * self.coo.value)[:, None]
                      * x[self.coo.col])
            return out
        out = np.empty((self.dim_out, x.shape[1]))
        for start in range(0, self.dim_out, ROWS_PER_BLOCK):  # bounded memory
            block = self.pattern[start:start + ROWS_PER_BLOCK].astype(np.int64)
            weights = np.where(block >= 0, self.w[block], 0.0)
            out[start:start + ROWS_PER_BLOCK] = weights @ x
        return out

    def dense(self) -> np.ndarray:
        """The weight matrix W itself, shape (dim_out, dim_in)."""
        return self(np.eye(self.dim_in))


def equivariance_residuals(layer: Layer, batch: int = 3, seed: int = 1) -> list[float]:
    """max |layer(g x) - g layer(x)| for every stored generator g (discrete and Lie)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((layer.dim_in, batch))
    y = layer(x)
    residuals = []
    for kind_in, kind_out in (("in", "out"), ("lie_in", "lie_out")):
        if kind_in not in layer.generators:
            continue
        gens_in, count = layer.generators[kind_in]
        gens_out = layer.generators[kind_out][0]
        for k in range(count):
            g_in, g_out = gens_in.select(k), gens_out.select(k)
            moved_first = layer(g_in.matmul(x, layer.dim_in))   # permute the input ...
            moved_after = g_out.matmul(y, layer.dim_out)         # ... or the output
            residuals.append(float(np.abs(moved_first - moved_after).max(initial=0.0)))
    return residuals


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    try:
        layer = Layer(argv[0])
    except (OSError, KeyError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    residuals = equivariance_residuals(layer)
    worst = max(residuals, default=0.0)
    scale = max(1.0, float(np.abs(layer(np.ones((layer.dim_in, 1)))).max()))
    ok = worst <= 1e-9 * scale
    print(f"{layer.spec}: {layer.n} weights for a {layer.dim_out} x {layer.dim_in} matrix; "
          f"{len(residuals)} generator(s), max equivariance residual {worst:.1e}: "
          f"{'equivariant' if ok else 'NOT equivariant'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
