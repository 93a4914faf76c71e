"""What the benchmark scripts share: the best of several timed calls."""

import time


def best(fn, repeat: int, warm: bool = True) -> float:
    """The fastest of ``repeat`` calls of ``fn`` in seconds (after one untimed call that
    compiles and caches, unless ``warm`` is False)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
