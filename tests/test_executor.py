"""The ordered executor: results in input order, errors in order, bounded in flight, cancelled on early exit."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from pipecheck.executor import ordered_map


def test_results_arrive_in_input_order_whatever_order_they_finish_in() -> None:
    def slow_square(x: int) -> int:
        time.sleep(random.random() / 500)
        return x * x

    assert list(ordered_map(slow_square, iter(range(200)), workers=4, ahead=6)) == [x * x for x in range(200)]


def test_an_error_in_the_function_is_raised_after_the_results_before_it() -> None:
    def fn(x: int) -> int:
        if x == 3:
            raise ValueError("bad batch")
        return x

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad batch"):
        for item in ordered_map(fn, iter(range(10))):
            seen.append(item)
    assert seen == [0, 1, 2]


def test_an_error_while_reading_items_is_raised_in_order() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("truncated")

    seen: list[int] = []
    with pytest.raises(OSError, match="truncated"):
        for item in ordered_map(lambda x: x, source()):
            seen.append(item)
    assert seen == [1, 2]


def test_at_most_ahead_plus_one_items_are_pulled_before_the_first_result_is_consumed() -> None:
    pulled = 0

    def source() -> Iterator[int]:
        nonlocal pulled
        for n in range(100):
            pulled += 1
            yield n

    results = ordered_map(lambda x: x, source(), workers=2, ahead=2)
    assert next(results) == 0
    assert pulled <= 3
    results.close()


def test_closing_early_waits_for_running_work_and_starts_no_more() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def fn(x: int) -> int:
        with lock:
            started.append(x)
        time.sleep(0.01)
        return x

    results = ordered_map(fn, iter(range(1000)), workers=2, ahead=2)
    assert next(results) == 0
    results.close()
    count = len(started)
    time.sleep(0.05)
    assert len(started) == count <= 4
    assert not [t for t in threading.enumerate() if t.name.startswith("pipecheck-check")]
