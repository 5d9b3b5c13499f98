"""The read-ahead thread: order kept, errors re-raised in order, producer stopped on early exit."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from pipecheck.prefetch import prefetch


def test_items_arrive_in_order() -> None:
    assert list(prefetch(iter(range(100)), then=lambda x: x * 2, depth=3)) == [x * 2 for x in range(100)]


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad block")

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad block"):
        for item in prefetch(source(), then=lambda x: x):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_closes_the_source_and_ends_the_thread() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    stream = prefetch(endless(), then=lambda x: x, depth=2)
    assert next(stream) == 0
    stream.close()  # what a `break` in the consumer does
    assert closed.wait(5)
    assert not any(t.name == "pipecheck-prefetch" and t.is_alive() for t in threading.enumerate())
