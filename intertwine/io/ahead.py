"""Compute the next block while the caller writes this one.

A streamed coo basis (``solvers.exact.ExactCooSource``, ``solvers.gram_schmidt.
NumericCooSource``) is expanded block by block with numpy, and each block is written with
h5py: both release the GIL, so on two cores the expansion of block k+1 overlaps the
write of block k (``SO(3): V**6 -> V**6`` numeric: 487 million entries, 9.7 GB).  h5py
stays in the calling thread: only the source's own code runs in the helper thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

__all__ = ["ahead"]

_END = object()


def ahead(blocks: Iterable, depth: int = 1) -> Iterator:
    """The items of ``blocks``, computed in a helper thread up to ``depth`` ahead.

    An exception in the helper is raised here, at the item it replaced.  If the caller
    stops early (an error, a signal delivered between two writes), the helper is told to
    stop and joined before this returns: nothing runs on behind the caller's back.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in blocks:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as exc:  # MemoryError, a bug: the caller raises it
            hand_over((_END, exc))

    helper = threading.Thread(target=produce, name="intertwine-ahead", daemon=True)
    helper.start()
    try:
        while True:
            item, exc = ready.get()
            if item is _END:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        helper.join()
