"""Closed-loop HTTP load on 127.0.0.1: N clients, each posting its next question as soon as the
previous answer arrives, for a fixed time (and at most a fixed number of requests)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bench.figures import Latencies


@dataclass(frozen=True)
class LoadResult:
    clients: int
    seconds: float  # from the first request to the last answer
    answers: int  # 200 responses
    errors: Counter[str]  # status code or exception name -> count
    latencies: Latencies  # every completed request

    @property
    def throughput(self) -> float:
        return self.answers / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def run_load(
    base_url: str,
    payloads: Sequence[dict[str, Any]],
    clients: int,
    seconds: float,
    max_requests: int = 100_000,
    timeout: float = 60.0,
) -> LoadResult:
    """POST /api/chat with ``clients`` concurrent clients for ``seconds``."""
    if clients < 1 or seconds <= 0 or not payloads:
        raise ValueError("need at least one client, a positive duration and one payload")
    return asyncio.run(_load(base_url, payloads, clients, seconds, max_requests, timeout))


async def _load(
    base_url: str,
    payloads: Sequence[dict[str, Any]],
    clients: int,
    seconds: float,
    max_requests: int,
    timeout: float,
) -> LoadResult:
    numbers = itertools.count()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    deadline = started + seconds

    async with httpx.AsyncClient(
        base_url=base_url, timeout=timeout, limits=limits, trust_env=False
    ) as client:

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                number = next(numbers)
                if number >= max_requests:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.post("/api/chat", json=payloads[number % len(payloads)])
                    if response.status_code != 200:
                        errors[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    answers = len(latencies) - sum(errors.values())
    return LoadResult(clients, elapsed, answers, errors, Latencies.of(latencies))
