"""Under load, asks wait their turn in the order they came."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from assistant.conversation.waiting import FirstComeTurns


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_freed_place_goes_to_whoever_has_waited_longest() -> None:
    turns = FirstComeTurns(1)
    entered: list[int] = []

    def take_a_turn(n: int) -> None:
        with turns:
            entered.append(n)

    threads = [threading.Thread(target=take_a_turn, args=(n,)) for n in range(6)]
    with turns:  # every place is taken: each newcomer waits behind the ones before it
        for n, thread in enumerate(threads, start=1):
            thread.start()
            _wait_until(lambda n=n: turns.waiting == n)
    for thread in threads:
        thread.join(5)

    assert entered == list(range(6))


def test_as_many_as_there_are_places_go_in_at_once_and_no_more() -> None:
    turns = FirstComeTurns(2)
    inside, most = 0, 0
    lock = threading.Lock()

    def busy() -> None:
        nonlocal inside, most
        with turns:
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.002)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=busy) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert most == 2
    assert turns.waiting == 0


def test_fewer_than_one_place_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FirstComeTurns(0)
