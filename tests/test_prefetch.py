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


def test_idle_work_runs_on_the_producer_while_it_is_ahead() -> None:
    done: list[str] = []
    consumer_may_go = threading.Event()

    def idle() -> bool:
        done.append(threading.current_thread().name)
        if len(done) >= 3:
            consumer_may_go.set()
            return False  # nothing left: the producer then waits as usual
        return True

    seen = []
    for item in prefetch(iter(range(10)), then=lambda x: x, depth=1, idle=idle):
        consumer_may_go.wait(5)
        seen.append(item)
    assert seen == list(range(10))
    assert len(done) >= 3 and set(done) == {"pipecheck-prefetch"}


def test_shared_checking_checks_each_batch_once_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    from pipecheck import engine
    from pipecheck.checking import BatchResult
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract

    checked: list[tuple[int, str]] = []
    original = engine.check_batch

    def counting(compiled: object, frame: pl.DataFrame, **kwargs: object) -> BatchResult:
        checked.append((int(frame["a"][0]), threading.current_thread().name))
        return original(compiled, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_batch", counting)
    compiled = compile_contract(parse_contract("contract: t\ncolumns:\n  a: {type: integer}\n"))
    shared = engine._SharedChecking(compiled, max_examples=5, is_text=True)
    frames = (pl.DataFrame({"a": [str(i), "x"]}) for i in range(40))
    results = []
    for i, batch in enumerate(prefetch(frames, then=shared.produced, depth=2, idle=shared.help)):
        if i % 3 == 0:
            threading.Event().wait(0.01)  # a slow consumer now and then: the producer gets ahead and helps
        results.append(shared.result(batch))
    # row ordinals are global whichever thread checked: the bad value of batch i is row 2i + 1
    assert [(v.check, v.ordinals) for r in results for v in r.violations] == [("type", [2 * i + 1]) for i in range(40)]
    assert sorted(n for n, _ in checked) == list(range(40))  # each batch checked exactly once
    assert "pipecheck-prefetch" in {name for _, name in checked}  # the producer did help
    assert len(shared.queued) <= 4  # batches the consumer took are let go
