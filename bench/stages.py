"""The measurements: ingest, cold start, warm latency, a served app under load, its peak memory.

Fresh processes get their configuration only from ``ASSISTANT_*`` variables set here (none is
inherited from the caller, and no ``.env`` is read: they run in the bench's own folder).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from assistant.config import PROJECT_ROOT

SERVER_START_SECONDS = 300.0


@dataclass(frozen=True)
class Place:
    """Where one configuration lives: its corpus, its store and its feedback file."""

    corpus: Path
    store: Path
    folder: Path

    def environment(self, **extra: str) -> dict[str, str]:
        """The caller's environment without its ``ASSISTANT_*`` settings, plus this place's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])
        )
        env.update(
            ASSISTANT_CORPUS_DIR=str(self.corpus),
            ASSISTANT_STORE_DIR=str(self.store),
            ASSISTANT_DATABASE_PATH=str(self.folder / "feedback.sqlite3"),
            **extra,
        )
        return env


class ChildError(RuntimeError):
    """A measured process failed or ran out of time; the message ends with its log."""


def run_child(args: Sequence[str], place: Place, timeout: float, log: Path) -> dict[str, Any]:
    """``python -m bench.child ARGS`` in a fresh process; its JSON result."""
    with log.open("ab") as stderr:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.child", *args],
                cwd=place.folder,
                env=place.environment(),
                stdout=subprocess.PIPE,
                stderr=stderr,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildError(f"{' '.join(args)}: no result within {timeout:.0f} s") from exc
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = log.read_text(errors="replace")[-1500:]
        raise ChildError(f"{' '.join(args)} exited with {done.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# --- ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestFigure:
    scale: int
    seconds: float = math.nan
    chunks: int = 0
    documents: int = 0
    problem: str = ""

    @property
    def per_chunk(self) -> float:
        return self.seconds / self.chunks if self.chunks else math.nan


def measure_ingest(
    recipe: str, scale: int, place: Place, timeout: float, log: Path
) -> IngestFigure:
    """Index ``place.corpus`` into a fresh store (ours) or a fresh in-memory one (baseline)."""
    command = "ingest" if recipe == "ours" else "ingest-baseline"
    try:
        result = run_child([command], place, timeout, log)
    except ChildError as exc:
        return IngestFigure(scale, problem=str(exc).splitlines()[0])
    return IngestFigure(
        scale,
        seconds=float(result["seconds"]),
        chunks=int(result["chunks"]),
        documents=int(result.get("documents", 0)),
    )


# --- cold start -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColdStart:
    walls: tuple[float, ...]  # per run: process start to the first answer's exit, as seen outside
    phases: dict[str, float]  # medians of the phases measured inside the process
    answered: bool

    @property
    def median(self) -> float:
        return statistics.median(self.walls) if self.walls else math.nan


def measure_cold_start(
    question: str, place: Place, runs: int, timeout: float, log: Path
) -> ColdStart:
    walls: list[float] = []
    inside: list[dict[str, Any]] = []
    for _ in range(runs):
        started = time.perf_counter()
        inside.append(run_child(["cold", question], place, timeout, log))
        walls.append(time.perf_counter() - started)
    phases = {
        key: statistics.median(float(run[key]) for run in inside)
        for key in ("import_s", "model_s", "first_answer_s")
    }
    return ColdStart(tuple(walls), phases, all(run["answered"] for run in inside))


# --- warm latency ---------------------------------------------------------------------------


def time_answers(
    ask: Callable[[dict[str, Any]], object],
    payloads: Sequence[dict[str, Any]],
    passes: int,
    budget_seconds: float,
) -> list[float]:
    """Seconds per call of ``ask`` over the payloads, ``passes`` times or until the budget is spent."""
    seconds: list[float] = []
    deadline = time.perf_counter() + budget_seconds
    for _ in range(passes):
        for payload in payloads:
            if time.perf_counter() >= deadline:
                return seconds
            started = time.perf_counter()
            ask(payload)
            seconds.append(time.perf_counter() - started)
    return seconds


# --- a served app ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(place: Place, log: Path, **settings: str) -> Iterator[Server]:
    """The whole app (``uvicorn assistant.web.api:create_app --factory``) in its own process."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "assistant.web.api:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=place.folder,
            env=place.environment(**settings),
            stdout=output,
            stderr=output,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base_url, process, log)
            yield Server(base_url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-1500:]
            raise ChildError(f"the server exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/api/health", timeout=5, trust_env=False).status_code == 200:
                return
        time.sleep(0.25)
    raise ChildError(f"the server did not answer within {SERVER_START_SECONDS:.0f} s")


def process_memory(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) and VmRSS of a live process, in MiB, from /proc."""
    values: dict[str, float] = {}
    status = Path(f"/proc/{pid}/status").read_text()
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0]) / 1024  # kB -> MiB
    return values


def chat_payloads(cases: Sequence[Any]) -> list[dict[str, Any]]:
    """POST /api/chat bodies for the cases that are questions (emails are answered differently)."""
    return [
        {
            "message": case.question,
            "history": [{"role": t.role, "content": t.content} for t in case.history],
        }
        for case in cases
        if not case.is_email
    ]


def machine() -> Mapping[str, str]:
    load = os.getloadavg()
    return {
        "cpus": str(os.cpu_count()),
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "python": sys.version.split()[0],
    }
