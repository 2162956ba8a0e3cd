"""The rate limit through the ``limits`` library: per worker in memory, shared through Redis.

The proof runs ``assistant serve --workers 2`` and sends requests over one kept-alive connection
to each worker (told apart by which worker process holds the connection): with the limit stored
in Redis both workers count against one budget, in memory each keeps its own.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import redis

from assistant.api import SlidingWindowLimiter
from tests.server import cli_command, cli_env, free_port, running_process

LIMIT = 6


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
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
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
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
        "ASSISTANT_FEEDBACK_DB": str(folder / "feedback.sqlite3"),
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


def listening_children(pid: int, port: int) -> list[psutil.Process]:
    """The worker processes: the children of ``pid`` that listen on ``port``."""
    return [
        child
        for child in psutil.Process(pid).children(recursive=True)
        if any(
            c.status == psutil.CONN_LISTEN and c.laddr.port == port
            for c in child.net_connections("tcp")
        )
    ]


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
