"""Messages wait their turn in the order they came: a semaphore that hands a freed place to the
longest waiter, so that under load no message waits behind messages that came after it (Python's
own semaphore lets a newcomer take a place a waiter was woken for)."""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FirstComeTurns:
    """At most ``places`` holders at once; the others are let in first come, first served."""

    def __init__(self, places: int) -> None:
        if places < 1:
            raise ValueError(f"places must be at least 1, not {places}")
        self._lock = threading.Lock()
        self._free = places
        self._waiting: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """How many wait for a place now."""
        with self._lock:
            return len(self._waiting)

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the place is handed over by the holder that leaves

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1
