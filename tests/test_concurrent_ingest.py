"""Ingest while serving: a running server keeps answering while ingest writes to the same embedded
store, and answers from a new document without a restart.

The server is a separate uvicorn process (as ``assistant serve`` runs it) on a temporary store
built from a copy of the corpus; a thread streams questions at it while another process writes
the next generation and flips the pointer.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.documents.indexing import index_corpus, ingest_lock_path
from assistant.documents.store import active_generation, open_client
from tests.conftest import CORPUS, make_settings
from tests.server import serve_in_process

pytestmark = pytest.mark.slow

INGEST_SECONDS = 300.0
PICKUP_SECONDS = 30.0  # the server re-reads the active generation every couple of seconds

NEW_ID = "kul-imaging-summer-school"
NEW_QUESTION = "What is the registration fee for the imaging summer school?"
NEW_FIGURE = "375"
NEW_DOCUMENT = f"""---
id: {NEW_ID}
title: "Summer School in Medical Imaging (Leuven)"
institution: KU Leuven
programme: "Summer School in Medical Imaging"
kind: programme
academic_year: 2025-2026
source: imaging-summer-school.txt
aliases:
  - imaging summer school
  - medical imaging summer school
contact: null
---

# Summer School in Medical Imaging (Leuven)

The Summer School in Medical Imaging is a two-week course on image reconstruction and analysis.

## Tuition fee

The registration fee for the Summer School in Medical Imaging is {NEW_FIGURE} euro.

## Application deadline

Applications for the Summer School in Medical Imaging close on 15 May.
"""
KNOWN = [
    ("What is the full-time tuition fee for a non-EEA student in the BME postgraduate?", "4400"),
    ("What IELTS score do I need for Leiden?", "6.0"),
    ("How many ECTS is Biomedical Data Processing?", "6 ECTS"),
]


@dataclass(frozen=True)
class Outcome:
    at: float
    question: str
    status: int | None
    text: str = ""
    sources: tuple[str, ...] = ()
    error: str = ""


@dataclass
class QuestionStream:
    """Asks the server one question after another from a thread until stopped (or time runs out)."""

    base: str
    questions: tuple[str, ...]
    limit_seconds: float = INGEST_SECONDS + PICKUP_SECONDS + 60
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> QuestionStream:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)

    def failures(self) -> list[Outcome]:
        return [o for o in list(self.outcomes) if o.status != 200]

    def answered(self, question: str, figure: str, source: str, since: float) -> bool:
        return any(
            o.question == question and o.at >= since and figure in o.text and source in o.sources
            for o in list(self.outcomes)
        )

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit_seconds
        with httpx.Client(base_url=self.base, timeout=60.0) as client:
            n = 0
            while not self._stop.is_set() and time.monotonic() < deadline:
                question = self.questions[n % len(self.questions)]
                n += 1
                self.outcomes.append(self._ask(client, question))

    @staticmethod
    def _ask(client: httpx.Client, question: str) -> Outcome:
        at = time.monotonic()
        try:
            response = client.post("/api/chat", json={"message": question})
        except httpx.HTTPError as exc:
            return Outcome(at, question, None, error=f"{type(exc).__name__}: {exc}")
        if response.status_code != 200:
            return Outcome(at, question, response.status_code, error=response.text[:500])
        body = response.json()
        sources = tuple(c["source"] for c in body["citations"])
        return Outcome(at, question, 200, body["text"], sources)


@dataclass(frozen=True)
class Served:
    settings: Settings
    env: dict[str, str]
    base: str
    log: Path
    folder: Path

    def report(self, failures: list[Outcome], since: float) -> str:
        lines = [
            f"{o.at - since:+.1f} s {o.question!r}: {o.status} {o.error}" for o in failures[:10]
        ]
        log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
        return "\n".join([f"{len(failures)} failed requests", *lines, "--- server log ---", log])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A store built from a corpus copy, and the app serving it from its own process."""
    folder = tmp_path_factory.mktemp("concurrent-ingest")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = make_settings(folder / "store", corpus)
    assert index_corpus(settings).generation is not None
    env = {
        "ASSISTANT_STORE_DIR": str(settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_DATABASE_PATH": str(folder / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        "ASSISTANT_TODAY": "2026-11-22",
    }
    log = folder / "server.log"
    with serve_in_process(env, log) as base:
        warm = httpx.post(f"{base}/api/chat", json={"message": KNOWN[0][0]}, timeout=180)
        assert warm.status_code == 200 and KNOWN[0][1] in warm.json()["text"]
        yield Served(settings, env, base, log, folder)


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def _generation(settings: Settings) -> int | None:
    return active_generation(open_client(settings), settings.collection)


def test_serving_goes_on_during_ingest_and_the_new_document_becomes_answerable(
    served: Served,
) -> None:
    before = _generation(served.settings)
    questions = (NEW_QUESTION, *(q for q, _ in KNOWN))
    with QuestionStream(served.base, questions) as stream:
        time.sleep(2.0)
        (served.settings.corpus_dir / f"{NEW_ID}.md").write_text(NEW_DOCUMENT, encoding="utf-8")
        started = time.monotonic()
        ingest = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "ingest.py")],
            cwd=served.folder,
            env={**os.environ, **served.env},
            capture_output=True,
            text=True,
            timeout=INGEST_SECONDS,
        )
        ended = time.monotonic()
        picked_up = _wait_until(
            lambda: stream.answered(NEW_QUESTION, NEW_FIGURE, NEW_ID, since=ended), PICKUP_SECONDS
        )

    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert f"added 1 ({NEW_ID})" in ingest.stdout
    assert _generation(served.settings) not in (None, before)
    assert not stream.failures(), served.report(stream.failures(), started)
    assert any(started <= o.at <= ended for o in stream.outcomes), "nothing asked during ingest"
    for question, figure in KNOWN:
        texts = [o.text for o in stream.outcomes if o.question == question]
        assert texts and all(figure in text for text in texts), question
    assert picked_up, "the server never answered from the new document without a restart"


def test_serving_goes_on_while_ingests_follow_each_other_within_the_refresh_interval(
    served: Served,
) -> None:
    """Several small ingests in a row (each under a second) flip generations faster than the
    server re-reads the pointer; every request must still be answered."""
    extras = [f"kul-imaging-extra-{n}" for n in range(5)]
    for doc_id in extras:
        text = NEW_DOCUMENT.replace(NEW_ID, doc_id).replace("Medical Imaging", f"Imaging {doc_id}")
        (served.settings.corpus_dir / f"{doc_id}.md").write_text(text, encoding="utf-8")
    assert sorted(index_corpus(served.settings).added) == extras
    time.sleep(5.0)  # the server is on the generation with the extras

    with QuestionStream(served.base, tuple(q for q, _ in KNOWN)) as stream:
        time.sleep(2.0)
        started = time.monotonic()
        for doc_id in extras:
            (served.settings.corpus_dir / f"{doc_id}.md").unlink()
            assert index_corpus(served.settings).removed == [doc_id]
        time.sleep(5.0)

    assert any(o.at >= started for o in stream.outcomes)
    assert not stream.failures(), served.report(stream.failures(), started)


# --------------------------------------------------------------------------- one ingest at a time

NEW_DOCUMENTS = 10


def _add_documents(corpus: Path) -> None:
    for n in range(NEW_DOCUMENTS):
        sentences = " ".join(
            f"Fact {n}-{i} about synthetic topic {i * n} is recorded here." for i in range(40)
        )
        (corpus / f"synthetic-{n}.md").write_text(
            f"# Synthetic {n}\n\n{sentences}\n", encoding="utf-8"
        )


def _ingest_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_STORE_DIR": str(settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
    }


def _start_ingest(settings: Settings, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "ingest.py")],
        env=_ingest_env(settings),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_ingest(settings: Settings, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "ingest.py")],
        env=_ingest_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=INGEST_SECONDS,
    )


def _holds_lock(settings: Settings, pid: int) -> bool:
    path = ingest_lock_path(settings)
    return path.exists() and path.read_text(encoding="utf-8").strip() == str(pid)


def test_a_second_ingest_while_one_runs_exits_1_and_the_first_completes(
    corpus_copy: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "store", corpus_copy)
    index_corpus(settings)
    _add_documents(corpus_copy)

    first = _start_ingest(settings, tmp_path)
    _wait_until(lambda: _holds_lock(settings, first.pid), 120)  # before the fix: no lock, go on
    first.send_signal(signal.SIGSTOP)  # hold the first mid-way, however fast the machine
    try:
        assert first.poll() is None, "the first ingest finished before it could be held"
        second = _run_ingest(settings, tmp_path)
    finally:
        first.send_signal(signal.SIGCONT)
    first_out, first_err = first.communicate(timeout=INGEST_SECONDS)

    assert second.returncode == 1
    assert f"an ingest is already running (pid {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, first_err[-3000:]
    assert f"added {NEW_DOCUMENTS}" in first_out
    final = index_corpus(settings)
    assert not final.changed and final.documents == 5 + NEW_DOCUMENTS


def test_an_ingest_killed_mid_way_does_not_block_the_next_one(
    corpus_copy: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "store", corpus_copy)
    index_corpus(settings)
    _add_documents(corpus_copy)
    crashed = _start_ingest(settings, tmp_path)
    assert _wait_until(lambda: _holds_lock(settings, crashed.pid), 120)
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=30)
    assert _holds_lock(settings, crashed.pid), "the lock file still names the dead process"

    after = _run_ingest(settings, tmp_path)

    assert after.returncode == 0, after.stderr[-3000:]
    assert f"added {NEW_DOCUMENTS}" in after.stdout


def test_a_lock_file_naming_a_dead_process_does_not_stop_ingest(
    corpus_copy: Path, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "store", corpus_copy)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    ingest_lock_path(settings).parent.mkdir(parents=True, exist_ok=True)
    ingest_lock_path(settings).write_text(gone.stdout.strip(), encoding="utf-8")

    report = index_corpus(settings)

    assert report.documents == 5 and report.generation is not None
    assert ingest_lock_path(settings).read_text(encoding="utf-8") == ""
