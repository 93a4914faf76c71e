"""Where ``strategy="auto"`` switches from the dense pattern to the any-n plan (issue 25).

A partition-labelled S(n) file can be applied at its own n either through its pattern
(W gathered from the weights, one matmul) or through the any-n plan (diagonals, sums,
broadcasts: about a dozen small ops per reduction).  The dense path costs
~ batch * channels^2 * dim_out * dim_in multiply-adds, the plan a fixed overhead per
op plus ~ batch * channels^2 * n^(blocks) per element.  This times both, forward +
backward, float32, torch on the CPU, at the file's own n, and writes the ratios:

    python bench/auto_strategy.py --json bench/auto_strategy.json
    python bench/auto_strategy.py --rst bench/auto_strategy.json   # the docs' table

``intertwine.partitions.reference.TERM_OVERHEAD`` (the cost model's price of a plan
term) is set from the crossover printed here; "auto/best" is the auto layer's time over
the faster of the two.
"""

from __future__ import annotations

import argparse
import json
import os

from timing import best  # the bench folder: scripts run as python bench/NAME.py

BATCH, CHANNELS = 64, 8
CASES = [(2, 2, n) for n in (3, 4, 5, 6, 7, 8, 10, 12, 14)] + \
        [(3, 3, n) for n in (3, 4, 5, 6)] + [(1, 1, n) for n in (5, 20, 80, 200)] + \
        [(2, 1, n) for n in (5, 10, 20, 30)]


def rst_table(path: str) -> str:
    """The reStructuredText table of docs/layers_between.rst from a --json file."""
    with open(path) as f:
        rows = json.load(f)["rows"]
    cells = [("spec", "dim_out*dim_in", "pattern ms", "partitions ms", "plan/pattern",
              "auto picks", "auto/best")]
    for r in rows:
        cells.append((r["spec"].replace("V**1", "V"), str(r["dense_size"]),
                      f"{r['pattern_s'] * 1e3:.3g}", f"{r['partitions_s'] * 1e3:.3g}",
                      f"{r['partitions_over_pattern']:.2f}",
                      "dense" if r["model_picks_dense"] else "plan",
                      f"{r['auto_over_best']:.2f}"))
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    rule = "  ".join("=" * w for w in widths)
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join([rule, lines[0], rule, *lines[1:], rule])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rst", metavar="JSON", help="print the docs' table from a --json "
                        "file and exit")
    args = parser.parse_args()
    if args.rst:
        print(rst_table(args.rst))
        return
    import torch

    import intertwine
    from intertwine.partitions.reference import AnyN, dense_is_cheaper, plan_costs
    from intertwine.torch import EquivariantLinear

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for k, l, n in CASES:
        basis = intertwine.compute(f"S({n}): V**{k} -> V**{l}")
        x = torch.randn(BATCH, CHANNELS, n**k)
        times = {}
        for strategy in ("pattern", "partitions", "auto"):
            layer = EquivariantLinear(basis, CHANNELS, CHANNELS, strategy=strategy)

            def step(layer=layer, x=x):
                layer.zero_grad(set_to_none=True)
                layer(x).square().sum().backward()

            times[strategy] = best(step, args.repeat)
        row = {"spec": basis.spec, "n": n, "dense_size": basis.dim_out * basis.dim_in,
               "n_basis": basis.n_basis, "pattern_s": times["pattern"],
               "partitions_s": times["partitions"],
               "auto_s": times["auto"],
               "partitions_over_pattern": times["partitions"] / times["pattern"],
               "auto_over_best": times["auto"] / min(times["pattern"], times["partitions"]),
               "model_picks_dense": dense_is_cheaper(
                   plan_costs(AnyN(basis).plan((n,))), BATCH, CHANNELS, CHANNELS)}
        rows.append(row)
        print(f"{row['spec']:22} dim_out*dim_in {row['dense_size']:8}  pattern "
              f"{times['pattern'] * 1e3:8.2f} ms  partitions {times['partitions'] * 1e3:8.2f}"
              f" ms  ratio {row['partitions_over_pattern']:6.2f}  auto/best "
              f"{row['auto_over_best']:5.2f} ({'dense' if row['model_picks_dense'] else 'plan'})",
              flush=True)
    meta = {"batch": BATCH, "channels": CHANNELS, "threads": args.threads,
            "cpus": os.cpu_count(), "load": os.getloadavg()[0], "torch": torch.__version__}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
