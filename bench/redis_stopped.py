"""What a rate-limited request costs while the rate limit's Redis hangs (``SIGSTOP``): the same
request with Redis answering, with Redis stopped before the circuit breaker opens (each waits
the store's timeout), and once it is open (the store is skipped)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.web.api.limits import BREAKER_FAILURES
from bench.figures import Latencies, Row, ms
from bench.stages import Place, free_port, serve

TARGET_STOPPED_MAX = 0.5  # seconds: a hung Redis may cost a request its timeout, no more


@dataclass(frozen=True)
class StoppedRedis:
    running: Latencies
    stopped_closed: Latencies  # until the breaker opens
    stopped_open: Latencies
    health: str  # /api/health while Redis is stopped


def measure_stopped_redis(place: Place, log: Path, requests: int = 20) -> StoppedRedis | None:
    """None when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with (
        _redis(binary, place.folder, log) as (url, redis_process),
        serve(
            place,
            log,
            ASSISTANT_RATE_LIMIT_PER_MINUTE="1000000",
            ASSISTANT_RATE_LIMIT_STORAGE=url,
        ) as server,
        httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as client,
    ):
        running = _timed(client, requests)
        redis_process.send_signal(signal.SIGSTOP)
        try:
            times = _timed_each(client, requests)
            state = client.get("/api/health").json()
        finally:
            redis_process.send_signal(signal.SIGCONT)
    return StoppedRedis(
        running=running,
        stopped_closed=Latencies.of(times[:BREAKER_FAILURES]),
        stopped_open=Latencies.of(times[BREAKER_FAILURES:]),
        health=f"{state.get('status')}, rate_limit {state.get('rate_limit')}, "
        f"circuit {state.get('rate_limit_circuit')}",
    )


def stopped_redis_rows(result: StoppedRedis | None) -> list[Row]:
    if result is None:
        return [Row("rate limit, Redis stopped", "not measured: redis-server is not installed")]
    worst = max(result.stopped_closed.p99, result.stopped_open.p99)
    return [
        Row("rate-limited request, Redis answering (p50)", ms(result.running.p50)),
        Row(
            "  Redis stopped, until the breaker opens (max)",
            ms(result.stopped_closed.p99),
            target=f"< {ms(TARGET_STOPPED_MAX)} (was 5 s each)",
            met=worst < TARGET_STOPPED_MAX,
        ),
        Row("  Redis stopped, breaker open (p50)", ms(result.stopped_open.p50)),
        Row("  /api/health with Redis stopped", result.health),
    ]


def _timed(client: httpx.Client, requests: int) -> Latencies:
    return Latencies.of(_timed_each(client, requests))


def _timed_each(client: httpx.Client, requests: int) -> list[float]:
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/v1/models").raise_for_status()
        seconds.append(time.perf_counter() - started)
    return seconds


@contextlib.contextmanager
def _redis(binary: str, folder: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(folder),
    ]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=15)
