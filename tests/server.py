"""Real HTTP servers for the tests: uvicorn on a free 127.0.0.1 port, in a thread or a process.

Also a scripted Assistant for the tests that isolate the HTTP layer (limits, error mapping,
escaping); every feature test uses the real assistant.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import psutil
import uvicorn
from starlette.types import ASGIApp

from assistant.answering.answer import Answer, Citation
from assistant.config import Settings
from assistant.conversation.assistant import Assistant, ProgrammeInfo, ReplyDraft, Turn

PROJECT_ROOT = Path(__file__).resolve().parent.parent
XSS_PAYLOAD = '<img src=x onerror="window.__xss=1;alert(1)">'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_process(
    command: Sequence[str],
    ready_url: str,
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own process, logging to ``log_path``: started, awaited until ``ready_url``
    answers 200, and stopped on exit (terminated, then killed if it lingers)."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(ready_url, process, log_path, timeout)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_in_process(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``uvicorn assistant.web.api:create_app --factory`` in its own process, configured only by
    ``ASSISTANT_*`` environment variables, as an operator runs it."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "assistant.web.api:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running_process(
        command, f"{base}/widget.js", log_path, env={**os.environ, **env}, cwd=PROJECT_ROOT
    ):
        yield base


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


def cli_command(*args: str) -> list[str]:
    """``assistant ARGS`` as an operator runs it, importing the package of this checkout."""
    return [sys.executable, "-m", "assistant.cli", *args]


def cli_env(env: dict[str, str]) -> dict[str, str]:
    """The test's environment plus ``env``, with this checkout first on the import path."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}


@contextlib.contextmanager
def serve_cli(env: dict[str, str], log_path: Path, *args: str) -> Iterator[str]:
    """``assistant serve`` in its own process, configured by ``ASSISTANT_*`` variables."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = cli_command("serve", "--host", "127.0.0.1", "--port", str(port), *args)
    with running_process(
        command, f"{base}/widget.js", log_path, env=cli_env(env), cwd=log_path.parent
    ):
        yield base


# --------------------------------------------------------------------------- a scripted assistant

PROGRAMME = ProgrammeInfo(
    id="demo-programme",
    title="Demo Programme in Testing",
    institution="Example University",
    programme="Demo Programme in Testing",
    kind="programme",
    academic_year="2024-2025",
)


@dataclass
class ScriptedAssistant(Assistant):
    """Answers every question with the same text and citation; records what it was asked."""

    text: str = "The tuition fee is 1000 euro."
    quote: str = "- tuition fee: 1000 euro"
    title: str = PROGRAMME.title
    open_question: str = "Is there a scholarship?"
    document_text: str = "# Demo Programme in Testing\n\nThe tuition fee is 1000 euro.\n"
    error: Exception | None = None
    stream_error: Exception | None = None  # raised after the first delta
    chunk_size: int = 8
    calls: list[tuple[str, tuple[Turn, ...], str | None]] = field(default_factory=list)

    def _answer(self, message: str) -> Answer:
        citation = Citation(source=PROGRAMME.id, title=self.title, quote=self.quote, heading="Fees")
        return Answer(
            text=self.text,
            answered=True,
            citations=(citation,),
            programme=PROGRAMME.id,
            standalone_question=message,
        )

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        self.calls.append((message, tuple(history), programme))
        if self.error is not None:
            raise self.error
        return self._answer(message)

    def stream(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Iterator[str | Answer]:
        self.calls.append((message, tuple(history), programme))
        if self.error is not None:
            raise self.error
        for start in range(0, len(self.text), self.chunk_size):
            yield self.text[start : start + self.chunk_size]
            if self.stream_error is not None:
                raise self.stream_error
        yield self._answer(message)

    def draft_reply(self, email_text: str) -> ReplyDraft:
        if self.error is not None:
            raise self.error
        answer = self._answer("What is the fee?")
        return ReplyDraft(
            text=f"Dear applicant,\n\n{self.text}\n\n[Please answer: {self.open_question}]",
            questions=("What is the fee?", self.open_question),
            answers=(answer,),
            unanswered=(self.open_question,),
        )

    def programmes(self) -> list[ProgrammeInfo]:
        if self.error is not None:
            raise self.error
        return [replace(PROGRAMME, title=self.title)]

    def stats(self) -> dict[str, int]:
        return {"documents": 1, "chunks": 1}

    def document(self, doc_id: str) -> tuple[ProgrammeInfo, str]:
        if doc_id != PROGRAMME.id:
            raise KeyError(doc_id)
        return replace(PROGRAMME, title=self.title), self.document_text


# --------------------------------------------------------------------------- the real app

STAFF_TOKEN = "staff-token-for-tests"


def real_app_settings(index_settings: Settings, folder: Path, **overrides: object) -> Settings:
    """The indexed test settings, plus what the HTTP layer needs: a feedback file, a token."""
    values: dict[str, object] = {
        "database_path": folder / "feedback.sqlite3",
        "staff_token": STAFF_TOKEN,
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return index_settings.model_copy(update=values)


@contextlib.contextmanager
def serve_with_its_own_assistant(
    index_settings: Settings, folder: Path, ui: bool = False
) -> Iterator[str]:
    """The API (and with ``ui`` the pages) around a real assistant built from the server's own
    settings, so that what staff save in its database (saved answers, accounts) and what it
    keeps (unanswered questions) are the assistant's too; the indexed test corpus."""
    from assistant.conversation.assistant import build_assistant
    from assistant.web.api import create_app

    settings = real_app_settings(index_settings, folder)
    with serve_in_thread(create_app(settings, build_assistant(settings), ui=ui)) as base:
        yield base


@contextlib.contextmanager
def serve_real_app(
    index_settings: Settings, assistant: Assistant, folder: Path, **overrides: object
) -> Iterator[str]:
    """The whole app (API, UI, widget) around the real assistant, on a real uvicorn server."""
    from assistant.web.api import create_app

    settings = real_app_settings(index_settings, folder, **overrides)
    with serve_in_thread(create_app(settings, assistant)) as base:
        yield base
