"""Handwritten digits trained upright, tested rotated: a plain CNN against C4 and D4 CNNs of
intertwine layers (docs/layers_between.rst quotes its table).

The data is scikit-learn's bundled 8x8 digits (1797 images, no download).  Each model
sees only upright training images; the test images are rotated by each angle (quarter
turns exactly, other angles by bilinear interpolation).  The equivariant models are
built from ``EquivariantConv2d`` on kernel bases ``G: reg -> reg * Grid(3)``, with
``EquivariantBatchNorm``, ``PointwiseNonlinearity`` and ``GroupPooling`` between the
layers, then a spatial mean: invariant to quarter turns (and, for D4, mirrors) by
construction.

    python examples/rotated_digits.py                 # about a minute on a laptop CPU
    python examples/rotated_digits.py --quick         # a few seconds (the tests run it)
    python examples/rotated_digits.py --figure FILE   # accuracy by angle (PNG)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from intertwine.torch import (
    EquivariantBatchNorm,
    EquivariantConv2d,
    GroupPooling,
    PointwiseNonlinearity,
)

ANGLES = (0, 15, 30, 45, 60, 90, 135, 180, 270)


def load_digits(seed: int) -> tuple:
    """(train x, train y, test x, test y): float32 images (N, 1, 8, 8) in [0, 1]."""
    from sklearn.datasets import load_digits as bundled

    digits = bundled()
    x = torch.as_tensor(digits.images / 16.0, dtype=torch.float32)[:, None]
    y = torch.as_tensor(digits.target, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(0.7 * len(x))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def rotate(x: torch.Tensor, degrees: float) -> torch.Tensor:
    """Images rotated counterclockwise about their centre: quarter turns by rot90 (exact),
    other angles by bilinear resampling (zeros outside)."""
    if degrees % 90 == 0:
        return torch.rot90(x, int(degrees // 90) % 4, dims=(2, 3))
    t = np.deg2rad(degrees)
    theta = torch.tensor([[np.cos(t), np.sin(t), 0.0], [-np.sin(t), np.cos(t), 0.0]],
                         dtype=x.dtype).expand(len(x), 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


class PlainCNN(torch.nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, width, 3, padding=1), torch.nn.BatchNorm2d(width),
            torch.nn.ReLU(), torch.nn.AvgPool2d(2),
            torch.nn.Conv2d(width, 2 * width, 3, padding=1), torch.nn.BatchNorm2d(2 * width),
            torch.nn.ReLU())
        self.head = torch.nn.Linear(2 * width, 10)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3)))


class EquivariantCNN(torch.nn.Module):
    """Two steerable convolutions of regular fields of ``group`` (C(4) or D(4)), then
    group pooling and a spatial mean: invariant to the group's moves of the image."""

    def __init__(self, group: str, fields: int):
        super().__init__()
        reg = f"{group}: reg"
        self.features = torch.nn.Sequential(
            EquivariantConv2d(f"{group}: 1 -> reg * Grid(3)", 1, fields),
            EquivariantBatchNorm(reg, conv=True, channels=fields),
            PointwiseNonlinearity(reg, conv=True), torch.nn.AvgPool2d(2),
            EquivariantConv2d(f"{group}: reg -> reg * Grid(3)", fields, 2 * fields),
            EquivariantBatchNorm(reg, conv=True, channels=2 * fields),
            PointwiseNonlinearity(reg, conv=True),
            GroupPooling(reg, mode="max", conv=True))
        self.head = torch.nn.Linear(2 * fields, 10)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3)))


def train(model, x, y, epochs: int, seed: int) -> float:
    """Adam on cross-entropy, mini-batches of 64; returns the seconds it took."""
    torch.manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            optimiser.zero_grad()
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimiser.step()
    return time.perf_counter() - start


@torch.no_grad()
def accuracy(model, x, y) -> float:
    model.eval()
    return float((model(x).argmax(dim=1) == y).float().mean())


def models(quick: bool) -> dict:
    width = 4 if quick else 8  # feature channels of the plain CNN = fields * |G| of C4
    return {"plain CNN": PlainCNN(4 * width), "C4 CNN": EquivariantCNN("C(4)", width),
            "D4 CNN": EquivariantCNN("D(4)", width // 2)}


def run(quick: bool, seed: int = 0, angles=ANGLES) -> dict:
    """{model name: {"accuracy": {angle: accuracy}, "train_s": seconds, "params": count}}."""
    torch.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_digits(seed)
    if quick:
        x_train, y_train, x_test, y_test = x_train[:256], y_train[:256], x_test[:100], \
            y_test[:100]
    epochs = 6 if quick else 30
    results = {}
    for name, model in models(quick).items():
        seconds = train(model, x_train, y_train, epochs, seed)
        results[name] = {
            "accuracy": {a: accuracy(model, rotate(x_test, a), y_test) for a in angles},
            "train_s": seconds,
            "params": sum(p.numel() for p in model.parameters() if p.requires_grad)}
    return results


def table(results: dict) -> str:
    angles = list(next(iter(results.values()))["accuracy"])
    head = f"{'model':10} {'params':>6} " + " ".join(f"{a:>5}°" for a in angles) + "  train"
    lines = [head]
    for name, r in results.items():
        accs = " ".join(f"{r['accuracy'][a]:6.3f}" for a in angles)
        lines.append(f"{name:10} {r['params']:6d} {accs}  {r['train_s']:5.1f} s")
    return "\n".join(lines)


def figure(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name, r in results.items():
        angles = list(r["accuracy"])
        ax.plot(angles, [r["accuracy"][a] for a in angles], marker="o", label=name)
    ax.set_xlabel("rotation of the test images (degrees)")
    ax.set_ylabel("test accuracy")
    ax.set_xticks(angles)
    ax.set_ylim(0, 1)
    ax.set_title("8x8 digits trained upright, tested rotated")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: fewer images "
                        "and epochs, narrower models")
    parser.add_argument("--figure", default="rotated_digits.png",
                        help="where to write the accuracy-by-angle plot (PNG)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny convolutions: more threads only wait for each other
    results = run(args.quick, args.seed)
    print(table(results))
    figure(results, args.figure)
    print(f"wrote {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
