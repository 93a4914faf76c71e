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


def best_interleaved(fns, repeat: int) -> list[tuple[float, float]]:
    """(fastest wall time, fastest CPU time of this thread) in seconds of each of ``fns``,
    called in turn ``repeat`` times after one untimed round: on a shared machine a busy
    spell then slows every contender alike, and the thread's CPU time leaves out the
    spells it spent waiting for a core (one thread: torch.set_num_threads(1))."""
    for fn in fns:
        fn()
    wall = [float("inf")] * len(fns)
    cpu = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            cpu[i] = min(cpu[i], time.thread_time() - start_cpu)
            wall[i] = min(wall[i], time.perf_counter() - start)
    return list(zip(wall, cpu))
