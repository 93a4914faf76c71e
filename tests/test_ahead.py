"""``io.ahead``: a streamed basis computes its next block while this one is written."""

from __future__ import annotations

import threading

import pytest

from intertwine.io.ahead import ahead


def test_ahead_gives_every_item_in_order():
    assert list(ahead(iter(range(100)))) == list(range(100))
    assert list(ahead(iter([]))) == []


def test_ahead_raises_the_producers_error_in_its_place():
    def blocks():
        yield 1
        yield 2
        raise MemoryError("block 3")

    got = []
    with pytest.raises(MemoryError, match="block 3"):
        for item in ahead(blocks()):
            got.append(item)
    assert got == [1, 2]


def test_ahead_stops_and_joins_its_helper_when_the_caller_stops():
    made = []

    def blocks():
        for k in range(10**6):
            made.append(k)
            yield k

    before = threading.active_count()
    items = ahead(blocks(), depth=1)
    assert next(items) == 0
    items.close()  # the caller stops (an error, Ctrl-C at a checkpoint)
    assert threading.active_count() == before
    assert len(made) <= 4  # the helper was at most a block or two ahead
