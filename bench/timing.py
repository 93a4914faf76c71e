"""What the benchmark scripts share: the best of several timed calls, and what to record
of the machine a run was made on."""

import datetime
import os
import platform
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


def machine() -> dict:
    """The date, CPU model and count, and Python of this run (``results.py`` prints them
    above each table)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu,
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "load": os.getloadavg()[0]}
