"""``assistant serve`` as an operator runs it: what the server itself does with its connections
and its worker processes, on a real port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.server import (
    cli_command,
    cli_env,
    free_port,
    listening_children,
    running_process,
    serve_cli,
)

HEADER_TIMEOUT_S = 1
# How long a test waits for the server to close a connection before calling it held open.
GIVE_UP_S = 30


def server_env(folder: Path, **extra: str) -> dict[str, str]:
    """No index is needed: the server starts, warns, and answers what needs none."""
    return {
        "ASSISTANT_STORE_DIR": str(folder / "store"),
        "ASSISTANT_DATABASE_PATH": str(folder / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve")
    env = server_env(folder, ASSISTANT_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S))
    with serve_cli(env, folder / "server.log") as base:
        yield base


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=GIVE_UP_S)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closes ``sock`` (end of stream or reset) before the test gives up."""
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


# --------------------------------------------------------------------------- slow headers


def test_a_connection_that_never_finishes_its_headers_is_closed(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")

        assert closed_by_server(sock)


def test_a_connection_that_sends_its_headers_slowly_is_closed(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(0.2)
        deadline = time.monotonic() + GIVE_UP_S
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                sock.sendall(b"X-Slow: a\r\n")  # a header line every 0.2 s, never the blank line
                closed = sock.recv(4096) == b""
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed = True

        assert closed


def test_a_kept_alive_connection_whose_next_headers_stall_is_closed(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 200")

        sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: 12")

        assert closed_by_server(sock)


def test_a_request_with_its_headers_in_time_is_answered(served: str) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(HEADER_TIMEOUT_S / 4)
        sock.sendall(b"Connection: close\r\n\r\n")
        sock.settimeout(GIVE_UP_S)

        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


# --------------------------------------------------------------------------- workers


def has_exited(process: psutil.Process) -> bool:
    """Gone, or a zombie left for an init that does not reap (it holds no socket any more)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_killing_the_master_stops_its_workers_and_frees_the_port(tmp_path: Path) -> None:
    port = free_port()
    command = cli_command("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2")
    ready = f"http://127.0.0.1:{port}/widget.js"
    log = tmp_path / "server.log"
    env = cli_env(server_env(tmp_path))
    with running_process(command, ready, log, env=env, cwd=tmp_path) as master:
        deadline = time.monotonic() + 60
        while len(workers := listening_children(master.pid, port)) < 2:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)

        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=10)

        deadline = time.monotonic() + GIVE_UP_S
        while not all(has_exited(worker) for worker in workers):
            assert time.monotonic() < deadline, "a worker outlived its master"
            time.sleep(0.2)

    with running_process(command, ready, tmp_path / "again.log", env=env, cwd=tmp_path):
        assert httpx.get(ready).status_code == 200
