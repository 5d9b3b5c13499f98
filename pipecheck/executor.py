"""A small bounded, ordered executor: a pure function over an iterator's items on worker threads.

The caller's thread pulls items (reading) while workers run the function (checking); polars and
pyarrow release the GIL, so the two overlap. Results come back in input order, and at most
`ahead` items are in flight, so memory is bounded whatever the input's length.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    fn: Callable[[T], R], items: Iterator[T], *, workers: int = 2, ahead: int = 2
) -> Generator[R, None, None]:
    """`fn(item)` for every item, in order; an exception (from `items` or `fn`) re-raises here, in order.

    Closing the iterator early (a break, an exception, Ctrl-C) cancels what has not started and
    waits for what has.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipecheck-check")
    pending: collections.deque[Future[R]] = collections.deque()
    try:
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except Exception:
                while pending:  # what was read before the failure comes first
                    yield pending.popleft().result()
                raise
            pending.append(pool.submit(fn, item))
            while len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
