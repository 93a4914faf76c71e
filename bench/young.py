"""irr(lambda) of S(n) (docs/irreps_sn.rst): what building and counting cost as n grows.

For every n, over all partitions of n at once: the tableaux, the generators of Young's
orthogonal form and the seminormal scaling (``young.Young``); the float matrix of the
cycle (0 1 ... n-1) and its exact rational form for the largest shape; the count
``S(n): irr(lambda) * V -> irr(lambda)`` by characters for every lambda.  Seconds, one
process, so compare rows with each other rather than with another machine.

    python bench/young.py [--max-n 12] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time

from intertwine.counting import count
from intertwine.groups import young
from intertwine.spec import parse_spec


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def case(n: int, exact_up_to: int) -> dict:
    shapes = young.partitions(n)
    young.young.cache_clear()

    def build_all():
        total = 0
        for shape in shapes:
            y = young.Young(shape)
            y.generators()
            y.scaling()
            total += y.dim
        return total

    total, build = _timed(build_all)
    largest = max(shapes, key=young.dimension)
    y = young.young(largest)
    cycle = list(range(1, n)) + [0]
    _, cycle_float = _timed(lambda: y.matrix(cycle))
    cycle_exact = None
    if y.dim <= exact_up_to:
        _, cycle_exact = _timed(lambda: y.seminormal_matrix(cycle))

    def count_all():
        return [count(parse_spec(f"S({n}): {_irr(s)} * V -> {_irr(s)}")) for s in shapes]

    counts, counting = _timed(count_all)
    return {"n": n, "partitions": len(shapes), "tableaux": total,
            "largest": list(largest), "largest_dim": y.dim,
            "build_all_s": round(build, 4), "cycle_float_s": round(cycle_float, 4),
            "cycle_exact_s": None if cycle_exact is None else round(cycle_exact, 4),
            "count_all_s": round(counting, 4), "counts_known": sum(c is not None for c in counts)}


def _irr(shape) -> str:
    return f"irr({', '.join(map(str, shape))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=12)
    parser.add_argument("--exact-up-to", type=int, default=2000,
                        help="largest dimension whose exact cycle matrix is timed")
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    rows = []
    print(f"{'n':>3} {'shapes':>6} {'tableaux':>9} {'dim max':>8} {'build':>8} "
          f"{'cycle':>8} {'exact':>8} {'count':>8}")
    for n in range(4, args.max_n + 1):
        row = case(n, args.exact_up_to)
        rows.append(row)
        exact = "-" if row["cycle_exact_s"] is None else f"{row['cycle_exact_s']:.3f}"
        print(f"{n:>3} {row['partitions']:>6} {row['tableaux']:>9} {row['largest_dim']:>8} "
              f"{row['build_all_s']:>8.3f} {row['cycle_float_s']:>8.3f} {exact:>8} "
              f"{row['count_all_s']:>8.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "young", "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
