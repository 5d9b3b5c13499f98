"""Read the next batches on a background thread while the current one is checked.

pyarrow's parser and polars' kernels release the GIL, so on two cores reading and checking overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")
_POLL_SECONDS = 0.1


def prefetch(
    source: Iterator[T], then: Callable[[T], U], depth: int = 2, idle: Callable[[], bool] | None = None
) -> Iterator[U]:
    """Yield `then(item)` for `source`'s items in order, produced up to `depth` ahead on a background
    thread (so `then` runs there too); errors re-raise here, in order.

    `idle` is called on the background thread while it is `depth` items ahead instead of waiting:
    it may take on work the consumer would otherwise do, and returns False when there is none.
    """
    slots: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[str, object]) -> bool:
        while not stop.is_set():
            try:
                slots.put(message, block=idle is None, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                if idle is None or not idle():
                    try:
                        slots.put(message, timeout=_POLL_SECONDS)
                        return True
                    except queue.Full:
                        continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(("item", then(item))):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="pipecheck-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "done":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
