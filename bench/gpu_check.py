"""One-shot check of intertwine's layers on a GPU: run from the repository root as

    PYTHONPATH=. python3 bench/gpu_check.py

without installing intertwine and without network (torch, jax, numpy, scipy, sympy,
h5py, click are enough).  It builds EquivariantLinear and EquivariantConv2d on CUDA in
float32 and float64, checks their equivariance there, checks that PyTorch and JAX give
the same outputs on the GPU, times the forward and backward passes, and prints one
summary table.  Without CUDA (or a GPU for JAX) it says so and runs on the CPU.

It finishes within 2 minutes: optional checks (torch.compile with inductor, timings) are
skipped once BUDGET_S is spent, and a watchdog kills the process with a traceback at
HARD_LIMIT_S if anything hangs.  Exit status 0: every check passed; 1: some failed.

Other checks are added by appending ``(name, function)`` to CHECKS; a function returns a
short result string or raises (AssertionError for a failed check).
"""

from __future__ import annotations

import faulthandler
import os
import sys
import time
import traceback

# JAX must not take 75% of the GPU that PyTorch shares; set before jax is imported.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

HARD_LIMIT_S = 115
BUDGET_S = 60  # optional checks start only before this
START = time.monotonic()
faulthandler.dump_traceback_later(HARD_LIMIT_S, exit=True)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import intertwine  # noqa: E402
from intertwine.layers.layerdata import numpy_forward  # noqa: E402
from intertwine.torch import (  # noqa: E402
    EquivariantConv2d,
    EquivariantLinear,
    check_equivariance,
)

# Full float32 precision on the GPU: TF32 would make float32 products agree to 1e-3 only.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

CUDA = torch.cuda.is_available()
DEVICE = torch.device("cuda" if CUDA else "cpu")
NOTES: list[str] = []
if not CUDA:
    NOTES.append("NOTE: torch.cuda.is_available() is False: PyTorch checks run on the CPU")

MARON = "S(5): V**2 -> V**2"
C4_REGULAR = "C(4): V -> V * Grid(3)"
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}


def elapsed() -> float:
    return time.monotonic() - START


def optional() -> None:
    if elapsed() > BUDGET_S:
        raise TimeoutError(f"skipped: {elapsed():.0f} s spent of a {BUDGET_S} s budget")


def check_linear(spec: str, strategy: str, dtype, tolerance: float | None = None) -> str:
    tolerance = tolerance or TOLERANCE[dtype]
    layer = EquivariantLinear(spec, 3, 4, strategy=strategy, device=DEVICE, dtype=dtype)
    assert layer.weight.device.type == DEVICE.type
    if layer.bias is not None:
        with torch.no_grad():
            layer.bias.normal_()
    error = check_equivariance(layer, n_samples=6)
    x = np.random.default_rng(0).normal(size=(5, 3, layer.dim_in))
    got = layer(torch.as_tensor(x, dtype=dtype, device=DEVICE)).detach().double().cpu().numpy()
    bias = None if layer.bias is None else layer.bias.detach().double().cpu().numpy()
    want = numpy_forward(spec, layer.weight.detach().double().cpu().numpy(), x, bias)
    reference = np.abs(got - want).max() / max(1.0, np.abs(want).max())
    assert error < tolerance, f"equivariance error {error:.1e}"
    assert reference < 10 * tolerance, f"differs from numpy by {reference:.1e}"
    return f"equivariance {error:.1e}, vs numpy {reference:.1e}"


def check_conv(dtype) -> str:
    conv = EquivariantConv2d(C4_REGULAR, 2, 3, device=DEVICE, dtype=dtype)
    with torch.no_grad():
        conv.bias.normal_()
    error = check_equivariance(conv, n_samples=4)
    x = torch.randn(2, 8, 17, 17, dtype=dtype, device=DEVICE)
    y = conv(x)

    def turn(t):  # the C4 generator: turned counterclockwise, regular fields shifted by one
        fields = torch.rot90(t, 1, (2, 3)).reshape(t.shape[0], -1, 4, *t.shape[2:])
        return torch.roll(fields, 1, 2).reshape(t.shape)

    rot_error = float((conv(turn(x)) - turn(y)).abs().max())
    export_error = float((conv.export()(x) - y).abs().max())
    assert error < TOLERANCE[dtype] and rot_error < TOLERANCE[dtype], (error, rot_error)
    assert export_error < TOLERANCE[dtype], f"export differs by {export_error:.1e}"
    return f"equivariance {error:.1e}, rot90 {rot_error:.1e}, export {export_error:.1e}"


def _jax():
    import jax

    import intertwine.jax as ij

    return jax, ij


def check_jax_device() -> str:
    jax, _ = _jax()
    devices = jax.devices()
    platform = devices[0].platform
    if platform != "gpu" and CUDA:
        NOTES.append(f"NOTE: jax sees no GPU ({devices}): JAX checks run on {platform}")
    return f"jax {jax.__version__} on {devices[0]}"


def check_torch_vs_jax_linear(spec: str) -> str:
    jax, ij = _jax()
    params = ij.init(jax.random.PRNGKey(0), spec, 3, 4)
    if "bias" in params:
        params["bias"] = jax.random.normal(jax.random.PRNGKey(1), params["bias"].shape)
    layer = EquivariantLinear(spec, 3, 4, device=DEVICE)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(np.array(params["weight"])))
        if layer.bias is not None:
            layer.bias.copy_(torch.as_tensor(np.array(params["bias"])))
    x = np.random.default_rng(1).normal(size=(16, 3, layer.dim_in)).astype(np.float32)
    y_jax = np.asarray(jax.jit(ij.apply)(params, jax.device_put(x)))
    y_torch = layer(torch.as_tensor(x, device=DEVICE)).detach().cpu().numpy()
    difference = np.abs(y_jax - y_torch).max() / max(1.0, np.abs(y_torch).max())
    assert difference < 1e-6, f"torch and jax differ by {difference:.1e}"
    return f"max relative difference {difference:.1e} (float32)"


def check_torch_vs_jax_conv() -> str:
    jax, ij = _jax()
    params = ij.init_conv(jax.random.PRNGKey(0), C4_REGULAR, 2, 3)
    params["bias"] = jax.random.normal(jax.random.PRNGKey(1), params["bias"].shape)
    conv = EquivariantConv2d(C4_REGULAR, 2, 3, device=DEVICE)
    with torch.no_grad():
        conv.weight.copy_(torch.as_tensor(np.array(params["weight"])))
        conv.bias.copy_(torch.as_tensor(np.array(params["bias"])))
    x = np.random.default_rng(2).normal(size=(2, 8, 15, 15)).astype(np.float32)
    y_jax = np.asarray(jax.jit(ij.apply)(params, jax.device_put(x)))
    y_torch = conv(torch.as_tensor(x, device=DEVICE)).detach().cpu().numpy()
    difference = np.abs(y_jax - y_torch).max() / max(1.0, np.abs(y_torch).max())
    assert difference < 1e-5, f"torch and jax differ by {difference:.1e}"
    return f"max relative difference {difference:.1e} (float32)"


def _time(fn, repeats: int = 10) -> float:
    fn()
    if CUDA:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if CUDA:
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def check_timings() -> str:
    optional()
    spec = "S(12): V**2 -> V**2"
    basis = intertwine.compute(spec)
    x = torch.randn(32, 16, basis.dim_in, device=DEVICE)
    parts = []
    for strategy in ("pattern", "coo", "sparse"):
        layer = EquivariantLinear(basis, 16, 16, strategy=strategy, device=DEVICE)
        t = _time(lambda layer=layer: layer(x).sum().backward())
        parts.append(f"{strategy} {1e3 * t:.2f} ms")
    return f"{spec}, batch 32, 16->16 channels, forward+backward: " + ", ".join(parts)


def check_compile() -> str:
    optional()
    layer = EquivariantLinear(MARON, 3, 4, device=DEVICE)
    compiled = torch.compile(layer, fullgraph=True)  # inductor (triton on CUDA)
    x = torch.randn(8, 3, 25, device=DEVICE)
    difference = float((compiled(x) - layer(x)).abs().max())
    assert difference < 1e-5, f"compiled output differs by {difference:.1e}"
    return f"fullgraph inductor ok, difference {difference:.1e}"


def check_anyn_equal_dense() -> str:
    """A file of S(5) drives a layer at n = 9 on the device; compared with the dense layer
    of S(9)'s own pattern (numpy, float64) and with the CPU any-n layer."""
    small = intertwine.compute(MARON)
    layer = EquivariantLinear(small, 3, 4, device=DEVICE, dtype=torch.float64)
    assert layer.applier.name == "partitions", layer.applier.name
    with torch.no_grad():
        layer.bias.normal_()
    x = np.random.default_rng(3).normal(size=(5, 3, 9, 9))
    got = layer(torch.as_tensor(x, device=DEVICE)).detach().cpu().numpy()
    want = numpy_forward("S(9): V**2 -> V**2", layer.weight.detach().cpu().numpy(),
                         x.reshape(5, 3, -1), layer.bias.detach().cpu().numpy())
    error = np.abs(got.reshape(want.shape) - want).max() / max(1.0, np.abs(want).max())
    assert error < 1e-12, f"any-n differs from the dense S(9) layer by {error:.1e}"
    jax, ij = _jax()
    params = ij.init(jax.random.PRNGKey(0), small, 3, 4)
    y_jax = np.asarray(jax.jit(ij.apply)(params, jax.device_put(x.astype(np.float32))))
    want32 = numpy_forward("S(9): V**2 -> V**2", np.asarray(params["weight"], np.float64),
                           x.reshape(5, 3, -1), None).reshape(y_jax.shape)
    jax_error = np.abs(y_jax - want32).max() / max(1.0, np.abs(want32).max())
    assert jax_error < 1e-5, f"jax any-n differs by {jax_error:.1e}"
    return f"float64 vs dense {error:.1e}; jax float32 vs dense {jax_error:.1e}"


def check_anyn_timings() -> str:
    """Forward times of any-n layers (float32, batch 8, 16 channels), next to x.sum()."""
    optional()
    parts = []
    cases = ((2, 50), (2, 500), (2, 2000), (3, 64)) if CUDA else ((2, 50),)  # CPU: bench/anyn.py
    for power, n in cases:
        if elapsed() > HARD_LIMIT_S - 35:
            parts.append(f"V**{power} n={n} skipped (time)")
            continue
        small = intertwine.compute(f"S({2 * power}): V**{power} -> V**{power}")
        layer = EquivariantLinear(small, 16, 16, device=DEVICE)
        try:
            x = torch.randn((8, 16) + (n,) * power, device=DEVICE)
            with torch.no_grad():
                t = _time(lambda layer=layer, x=x: layer(x), 5)
                t_sum = _time(lambda x=x: x.sum(), 5)
        except torch.OutOfMemoryError:
            parts.append(f"V**{power} n={n} out of memory")
            continue
        finally:
            x = None
            if CUDA:
                torch.cuda.empty_cache()
        parts.append(f"V**{power} n={n} {1e3 * t:.2f} ms "
                     f"({t / (small.n_basis * t_sum):.2f} x.sum() per element)")
    return "; ".join(parts)


CHECKS = [
    *[(f"linear {spec} {strategy} {str(dtype)[6:]}",
       lambda spec=spec, strategy=strategy, dtype=dtype: check_linear(spec, strategy, dtype))
      for spec, strategies in ((MARON, ("pattern", "coo", "sparse")),
                               ("O(3): V**3 -> V", ("coo",)))
      for strategy in strategies for dtype in (torch.float32, torch.float64)],
    # boosts have large entries and errors scale with them: float64, 1e-10
    ("linear SO(1,3): V**2 -> V**2 coo float64",
     lambda: check_linear("SO(1,3): V**2 -> V**2", "coo", torch.float64, 1e-10)),
    *[(f"conv2d {C4_REGULAR} {str(dtype)[6:]}", lambda dtype=dtype: check_conv(dtype))
      for dtype in (torch.float32, torch.float64)],
    ("jax device", check_jax_device),
    (f"torch vs jax linear {MARON}", lambda: check_torch_vs_jax_linear(MARON)),
    ("torch vs jax linear O(3): V**3 -> V", lambda: check_torch_vs_jax_linear("O(3): V**3 -> V")),
    (f"torch vs jax conv2d {C4_REGULAR}", check_torch_vs_jax_conv),
    ("any-n S(5) file at n = 9 vs dense", check_anyn_equal_dense),
    ("timings", check_timings),
    ("any-n timings", check_anyn_timings),
    ("torch.compile", check_compile),
]


def main() -> int:
    header = (f"intertwine {intertwine.__version__} | torch {torch.__version__} on "
              f"{torch.cuda.get_device_name(0) if CUDA else 'CPU'}")
    print(header, flush=True)
    rows, failed = [], 0
    for name, check in CHECKS:
        t = time.monotonic()
        try:
            status, result = "ok", check()
        except TimeoutError as e:
            status, result = "skip", str(e)
        except Exception as e:  # noqa: BLE001 -- every failure is reported, none stops the run
            failed += 1
            status, result = "FAIL", f"{type(e).__name__}: {e}"
            traceback.print_exc()
        rows.append((status, name, result, time.monotonic() - t))
        print(f"  [{status}] {name}: {result} ({rows[-1][3]:.1f} s)", flush=True)
    faulthandler.cancel_dump_traceback_later()
    print("\nSUMMARY")
    for note in NOTES:
        print(note)
    for status, name, result, _seconds in rows:
        print(f"{status:4}  {name:52}  {result}")
    print(f"{len(rows) - failed}/{len(rows)} passed or skipped, {failed} failed, "
          f"{elapsed():.0f} s; device {DEVICE}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
