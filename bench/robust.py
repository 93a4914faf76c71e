"""Benchmark: issue 26's two speed goals, each as a ratio measured in one run.

* ``verify`` of a large exact coo file within 3x the time ``basis`` took to write it
  (the issue saw 224 s against 11 s for a 381 MB file): whole processes, wall time and
  peak RSS of each.
* ``intertwine.jax`` layers on ``S(20): V**3 -> V**3`` (8000 x 8000, partition labels):
  ``init`` and the first ``apply`` within 3x ``intertwine.torch``'s construction and
  first call (the issue saw 6.3 s and 26 s against 0.6 s).  Each framework runs in a
  fresh process, so that no compilation is cached; the basis is computed before timing.

Machines shared with other work give noisy absolute numbers; the ratios are the point.
Writes the numbers as JSON (``--json``, default bench/robust.json).

Usage: python bench/robust.py [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COO_CASES = ["SO(3): V**6 -> V**5"]  # 274 MB exact coo, about 7 s to write
QUICK_COO = ["SO(3): V**5 -> V**5"]  # 40 MB
LAYER_SPEC = "S(20): V**3 -> V**3"
GOAL = 3.0

LAYER = """
import json, sys, time
import intertwine
spec, framework = sys.argv[1], sys.argv[2]
basis = intertwine.compute(spec)
if framework == "torch":
    import torch
    from intertwine.torch import EquivariantLinear
    x = torch.randn(4, 1, basis.dim_in)
    start = time.perf_counter()
    layer = EquivariantLinear(basis)
    built = time.perf_counter()
    layer(x)
else:
    import jax
    import jax.numpy as jnp
    import intertwine.jax as layers
    x = jnp.ones((4, 1, basis.dim_in), jnp.float32)
    start = time.perf_counter()
    params = layers.init(jax.random.PRNGKey(0), basis, 1, 1)
    jax.block_until_ready(params["weight"])
    built = time.perf_counter()
    layers.apply(params, x).block_until_ready()
done = time.perf_counter()
print(json.dumps({"init": built - start, "first_apply": done - built}))
"""


def timed(args: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in bytes of the children so far, stdout) of one whole process;
    exits if it fails."""
    import resource

    start = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(args)}\n{p.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, p.stdout


def verify_cases(specs: list[str]) -> list[dict]:
    cli = [sys.executable, "-m", "intertwine"]
    rows = []
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as folder:
        path = os.path.join(folder, "case.h5")
        for spec in specs:
            write, write_peak, _ = timed(cli + ["basis", spec, "-o", path])
            size = os.path.getsize(path)
            verify, verify_peak, _ = timed(cli + ["verify", path])
            rows.append({"spec": spec, "bytes": size, "basis_s": round(write, 2),
                         "verify_s": round(verify, 2), "ratio": round(verify / write, 2),
                         "peak_rss_children_bytes": max(write_peak, verify_peak),
                         "goal_met": verify <= GOAL * write})
            os.remove(path)
    return rows


def layer_case(spec: str) -> dict:
    found = {}
    for framework in ("torch", "jax"):
        _, _, out = timed([sys.executable, "-c", LAYER, spec, framework])
        found[framework] = {k: round(v, 3) for k, v in json.loads(out).items()}
    torch_total = found["torch"]["init"] + found["torch"]["first_apply"]
    jax_total = found["jax"]["init"] + found["jax"]["first_apply"]
    return {"spec": spec, **found, "ratio": round(jax_total / torch_total, 1),
            "goal_met": jax_total <= GOAL * torch_total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=str(Path(__file__).with_name("robust.json")))
    args = parser.parse_args()
    report = {"verify": verify_cases(QUICK_COO if args.quick else COO_CASES),
              "layers": layer_case(LAYER_SPEC)}
    for row in report["verify"]:
        print(f"verify {row['spec']}: {row['bytes'] / 1e6:.0f} MB written in "
              f"{row['basis_s']:.2f} s, verified in {row['verify_s']:.2f} s "
              f"({row['ratio']:.2f}x; goal <= {GOAL:g}x: "
              f"{'met' if row['goal_met'] else 'MISSED'})")
    layers = report["layers"]
    print(f"layers {layers['spec']}: torch init {layers['torch']['init']:.2f} s + first "
          f"{layers['torch']['first_apply']:.2f} s; jax init {layers['jax']['init']:.2f} s + "
          f"first {layers['jax']['first_apply']:.2f} s ({layers['ratio']:.1f}x; goal <= "
          f"{GOAL:g}x: {'met' if layers['goal_met'] else 'MISSED'})")
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
