"""The rate limit through the ``limits`` library: per worker in memory, shared through Redis.

The proof runs ``assistant serve --workers 2`` and sends requests over one kept-alive connection
to each worker (told apart by which worker process holds the connection): with the limit stored
in Redis both workers count against one budget, in memory each keeps its own.

A Redis that hangs (``SIGSTOP``) is asked with a short timeout and then skipped by a circuit
breaker; the tests read the breaker's state and the client's timeout, never the clock.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from assistant.config import Settings
from assistant.web.api import SlidingWindowLimiter, create_app
from assistant.web.api.limits import CircuitBreaker
from tests.server import (
    ScriptedAssistant,
    cli_command,
    cli_env,
    free_port,
    listening_children,
    running_process,
    serve_in_thread,
)

LIMIT = 6


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    with redis_process(folder) as (url, _):
        yield url


@contextlib.contextmanager
def redis_process(folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Debian's redis-server on a free loopback port, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (make install-test installs it)")
    port = free_port()
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(folder),
    ]  # fmt: skip
    with (folder / "redis.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "redis.log").read_text(errors="replace"))
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        client.close()
        process.send_signal(signal.SIGCONT)  # a stopped server cannot act on SIGTERM
        process.terminate()
        process.wait(timeout=15)


@contextlib.contextmanager
def two_workers(folder: Path, storage: str) -> Iterator[tuple[int, list[psutil.Process]]]:
    """``assistant serve --workers 2``; yields its port and its two worker processes."""
    port = free_port()
    env = {
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "ASSISTANT_RATE_LIMIT_STORAGE": storage,
        "ASSISTANT_STORE_DIR": str(folder / "store"),
        "ASSISTANT_DATABASE_PATH": str(folder / "feedback.sqlite3"),
    }
    command = cli_command("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2")
    ready = f"http://127.0.0.1:{port}/widget.js"
    log = folder / "server.log"
    with running_process(command, ready, log, env=cli_env(env), cwd=folder) as server:
        deadline = time.monotonic() + 60
        while len(workers := listening_children(server.pid, port)) < 2:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        yield port, workers


def connection_to_each_worker(
    port: int, workers: list[psutil.Process]
) -> list[http.client.HTTPConnection]:
    """One kept-alive connection per worker, opened until each worker has accepted one."""
    found: dict[int, http.client.HTTPConnection] = {}
    opened = []
    for _ in range(200):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        opened.append(connection)
        connection.request("GET", "/widget.js")  # not rate limited
        connection.getresponse().read()
        local_port = connection.sock.getsockname()[1]
        for worker in workers:
            remote_ports = {c.raddr.port for c in worker.net_connections("tcp") if c.raddr}
            if local_port in remote_ports:
                found.setdefault(worker.pid, connection)
        if len(found) == len(workers):
            break
    for connection in opened:
        if connection not in found.values():
            connection.close()
    assert len(found) == len(workers), "the kernel never handed a connection to every worker"
    return list(found.values())


def statuses_alternating(connections: list[http.client.HTTPConnection], count: int) -> list[int]:
    statuses = []
    for i in range(count):
        connection = connections[i % len(connections)]
        connection.request("GET", "/v1/models")
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    return statuses


@pytest.mark.slow
def test_two_workers_share_one_limit_through_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url, two_workers(tmp_path, url) as (port, workers):
        connections = connection_to_each_worker(port, workers)
        statuses = statuses_alternating(connections, 2 * LIMIT)

    assert statuses == [200] * LIMIT + [429] * LIMIT, "both workers count against one budget"


@pytest.mark.slow
def test_two_workers_count_apart_in_memory(tmp_path: Path) -> None:
    with two_workers(tmp_path, "memory://") as (port, workers):
        connections = connection_to_each_worker(port, workers)
        statuses = statuses_alternating(connections, 2 * LIMIT + 2)

    assert statuses == [200] * (2 * LIMIT) + [429, 429], "each worker keeps its own budget"


def test_the_moving_window_frees_a_slot_when_the_oldest_hit_leaves_it() -> None:
    limiter = SlidingWindowLimiter(2, window=1)

    assert limiter.hit("a") is None
    assert limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait is not None and 0 < wait <= 1
    assert limiter.hit("b") is None, "each key has its own budget"
    time.sleep(wait + 0.05)
    assert limiter.hit("a") is None


def test_an_unknown_storage_is_refused_at_start_up_naming_the_setting() -> None:
    from assistant.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="ASSISTANT_RATE_LIMIT_STORAGE"):
        SlidingWindowLimiter(2, storage="nosuch://localhost")


@pytest.mark.parametrize(
    "storage", ["nosuch://user:s3cret@localhost:6379/0", "redis://user:s3cret@localhost:port/0"]
)
def test_a_storage_url_that_cannot_be_used_is_named_without_its_password(storage: str) -> None:
    from assistant.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="ASSISTANT_RATE_LIMIT_STORAGE") as refused:
        SlidingWindowLimiter(2, storage=storage)
    assert "s3cret" not in str(refused.value) and "user:***@localhost" in str(refused.value)


# --------------------------------------------------------------------------- Redis down or hung


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_in_a_row_and_half_opens_after_its_cool_down() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failures=2, cooldown_s=10, clock=clock)

    breaker.failed()
    breaker.succeeded()  # a success in between: the count starts again
    breaker.failed()
    assert (breaker.state, breaker.allow()) == ("closed", True)
    breaker.failed()
    assert (breaker.state, breaker.allow()) == ("open", False)

    clock.now += 10
    assert breaker.state == "half_open"
    assert breaker.allow(), "one trial call once cooled down"
    assert not breaker.allow(), "and only one at a time"
    breaker.failed()
    assert (breaker.state, breaker.allow()) == ("open", False), "a failed trial opens it again"

    clock.now += 10
    assert breaker.allow()
    breaker.succeeded()
    assert (breaker.state, breaker.allow()) == ("closed", True)


@pytest.mark.parametrize(("failures", "cooldown"), [(0, 1.0), (1, 0.0)])
def test_a_breaker_that_could_never_open_or_close_is_refused(
    failures: int, cooldown: float
) -> None:
    with pytest.raises(ValueError, match="failures >= 1 and cooldown_s > 0"):
        CircuitBreaker(failures, cooldown)


def _redis_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"rate_limit_per_minute": 1000, "rate_limit_storage": url}
    values.update(overrides)
    return Settings.model_validate(values)


def test_the_redis_client_gets_the_configured_timeouts_and_no_retries(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        settings = _redis_settings(url, rate_limit_timeout_s=0.4, rate_limit_breaker_failures=5)
        limiter = SlidingWindowLimiter.from_settings(settings)
        assert limiter.hit("a") is None

    pool = limiter.storage.storage.connection_pool
    assert pool.connection_kwargs["socket_timeout"] == 0.4
    assert pool.connection_kwargs["socket_connect_timeout"] == 0.4
    assert pool.connection_kwargs["retry"].get_retries() == 0
    assert limiter.breaker.failures == 5
    assert Settings.model_fields["rate_limit_timeout_s"].default == 0.25


def test_a_stopped_redis_opens_the_breaker_and_a_resumed_one_closes_it(tmp_path: Path) -> None:
    with redis_process(tmp_path) as (url, redis_server_process):
        settings = _redis_settings(
            url, rate_limit_breaker_failures=2, rate_limit_breaker_cooldown_s=0.5
        )
        limiter = SlidingWindowLimiter.from_settings(settings)
        assert limiter.hit("client") is None
        assert limiter.breaker.state == "closed"

        redis_server_process.send_signal(signal.SIGSTOP)
        assert [limiter.hit("client") for _ in range(2)] == [None, None], "let through"
        assert limiter.breaker.state == "open"
        assert limiter.hit("client") is None, "skipped while open"

        redis_server_process.send_signal(signal.SIGCONT)
        time.sleep(0.6)  # the cool-down
        assert limiter.breaker.state == "half_open"
        assert limiter.hit("client") is None
        assert limiter.breaker.state == "closed"


def test_a_server_whose_redis_hangs_lets_requests_through_and_health_says_so(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate({"database_path": tmp_path / "feedback.sqlite3"})
    with redis_process(tmp_path) as (url, redis_server_process):
        settings = settings.model_copy(
            update={"rate_limit_per_minute": 1000, "rate_limit_storage": url}
        )
        app = create_app(settings, ScriptedAssistant(), ui=False)
        with serve_in_thread(app) as base:
            assert httpx.get(f"{base}/v1/models").status_code == 200
            healthy = httpx.get(f"{base}/api/health").json()
            limiter = app.state.rate_limiter
            client = limiter.storage.storage.connection_pool.connection_kwargs

            redis_server_process.send_signal(signal.SIGSTOP)
            statuses = [
                httpx.get(f"{base}/v1/models", timeout=30).status_code
                for _ in range(limiter.breaker.failures + 2)
            ]
            hung = httpx.get(f"{base}/api/health").json()

    assert (healthy["status"], healthy["rate_limit"], healthy["rate_limit_circuit"]) == (
        "ok",
        "ok",
        "closed",
    )
    assert client["socket_timeout"] == client["socket_connect_timeout"] == 0.25
    assert statuses == [200] * len(statuses)
    assert limiter.breaker.state == "open"
    assert (hung["status"], hung["rate_limit"], hung["rate_limit_circuit"]) == (
        "degraded",
        "unavailable",
        "open",
    )
    [problem] = hung["problems"]
    assert "rate-limit store redis://127.0.0.1:" in problem and "circuit open" in problem


def test_health_reports_an_in_memory_rate_limit_and_none(tmp_path: Path) -> None:
    reports = []
    for per_minute in (100, 0):
        settings = Settings.model_validate(
            {"database_path": tmp_path / "feedback.sqlite3", "rate_limit_per_minute": per_minute}
        )
        with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
            reports.append(httpx.get(f"{base}/api/health").json())

    assert [(r["rate_limit"], r["rate_limit_circuit"]) for r in reports] == [
        ("ok", None),
        ("off", None),
    ]
