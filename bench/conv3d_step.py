"""3-D steerable convolutions of regular fields (issue 25): building the layer from a file,
and its training step against ``torch.nn.Conv3d`` with the same weight shape.

Cases: ``Octa: reg -> reg * Grid(3)``, ``Octa: reg -> reg * Grid(5)``,
``FullOcta: reg -> reg * Grid(3)``, 2 fields in and out, batch 2, 12^3 voxels, float32,
one CPU thread.  Times are the minimum of several runs (forward + backward + one SGD
step), the two layers' steps taking turns (``timing.best_interleaved``), in wall time
and in the thread's CPU time; the build is ``EquivariantConv3d(file, ...)`` in this
process (the file written first, its computation not timed).  escnn's side of the 3-D
comparison is ``bench/escnn_compare.py --cases 3d``, in escnn's own virtualenv.

    python bench/conv3d_step.py --json bench/conv3d_step.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile
import time

from timing import best_interleaved  # the bench folder: scripts run as python bench/NAME.py

CASES = ["Octa: reg -> reg * Grid(3)", "Octa: reg -> reg * Grid(5)",
         "FullOcta: reg -> reg * Grid(3)"]
FIELDS, BATCH, SIZE = 2, 2, 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    import torch

    import intertwine
    from intertwine.torch import EquivariantConv3d

    torch.set_num_threads(1)
    torch.manual_seed(0)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for spec in CASES:
            path = os.path.join(folder, "basis.h5")
            intertwine.compute(spec).save(path)
            start = time.perf_counter()
            layer = EquivariantConv3d(path, FIELDS, FIELDS)
            build = time.perf_counter() - start
            weight = layer.conv_weight().detach()
            plain = torch.nn.Conv3d(weight.shape[1], weight.shape[0], weight.shape[2],
                                    padding=layer.padding)
            x = torch.randn(BATCH, weight.shape[1], SIZE, SIZE, SIZE)
            steps = []
            for module in (layer, plain):
                optimiser = torch.optim.SGD(module.parameters(), lr=1e-3)

                def step(module=module, optimiser=optimiser, x=x):
                    optimiser.zero_grad()
                    module(x).square().mean().backward()
                    optimiser.step()

                steps.append(step)
            (ours, ours_cpu), (conv3d, conv3d_cpu) = best_interleaved(steps, args.repeat)
            row = {"spec": spec, "build_s": build, "n_basis": layer.data.n_basis,
                   "weight_shape": list(weight.shape), "step_s": ours,
                   "conv3d_step_s": conv3d, "step_ratio": ours / conv3d,
                   "step_cpu_s": ours_cpu, "conv3d_step_cpu_s": conv3d_cpu,
                   "step_cpu_ratio": ours_cpu / conv3d_cpu}
            rows.append(row)
            print(f"{spec:32} build {build * 1e3:7.1f} ms  step {ours * 1e3:8.1f}"
                  f" ms  nn.Conv3d {conv3d * 1e3:8.1f} ms  ratio "
                  f"{row['step_ratio']:.3f} (CPU time {row['step_cpu_ratio']:.3f})", flush=True)
    if args.json:
        cpu = next((line.split(":", 1)[1].strip() for line in
                    open("/proc/cpuinfo").read().splitlines()
                    if line.startswith("model name")), platform.processor())
        meta = {"fields": FIELDS, "batch": BATCH, "size": SIZE, "threads": 1,
                "date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
                "cpu": cpu, "cpus": os.cpu_count(), "torch": torch.__version__,
                "load": os.getloadavg()[0], "repeat": args.repeat}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
