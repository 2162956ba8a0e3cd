"""Scale-out mode: the corpus indexed into a real Chroma server, read by assistants over HTTP.

A ``chroma run`` server (the CLI shipped with the chromadb package) is started on a free port for
this module. The real corpus is ingested into it with ``chroma_mode="http"``; the answers, the
API, idempotent re-ingest and the pick-up of a new generation by several assistants (as several
workers would run) are then checked against it.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.conversation.assistant import Assistant, build_assistant
from assistant.documents.indexing import IngestReport, index_corpus
from assistant.documents.store import active_generation, open_client
from assistant.web.api import create_app
from tests.conftest import (
    BME,
    CORPUS,
    FIGURE_QUESTIONS,
    UNANSWERED_QUESTION,
    assert_answers_with,
    make_settings,
)
from tests.server import free_port, running_process, serve_in_thread

pytestmark = [pytest.mark.chroma_server, pytest.mark.slow]

CHROMA_CLI = Path(sys.executable).with_name("chroma")
STARTUP_SECONDS = 60.0
PICKUP_SECONDS = 20.0  # readers re-check the active generation every couple of seconds


NEW_ID = "leiden-winter-school-biomechanics"
NEW_QUESTION = "How much does the biomechanics winter school cost?"
NEW_DOCUMENT = f"""---
id: {NEW_ID}
title: "Winter School in Biomechanics (Leiden)"
institution: Leiden University
programme: "Winter School in Biomechanics"
kind: programme
academic_year: 2025-2026
source: winter-school-biomechanics.txt
aliases:
  - biomechanics winter school
contact: null
---

# Winter School in Biomechanics (Leiden)

The Winter School in Biomechanics is a one-week course on the mechanics of the human body.

## Tuition fee

The registration fee for the Winter School in Biomechanics is 290 euro.
"""


@contextlib.contextmanager
def chroma_server(data_dir: Path, log_path: Path) -> Iterator[int]:
    """``chroma run`` on a free 127.0.0.1 port, answering its heartbeat; stopped on exit."""
    port = free_port()
    command = [
        str(CHROMA_CLI), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running_process(command, heartbeat, log_path, timeout=STARTUP_SECONDS):
        yield port


@pytest.fixture(scope="module")
def server_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not CHROMA_CLI.exists():
        pytest.skip(f"no chroma CLI at {CHROMA_CLI}")
    folder = tmp_path_factory.mktemp("chroma-server")
    with chroma_server(folder / "data", folder / "chroma.log") as port:
        yield port


@pytest.fixture(scope="module")
def http_settings(server_port: int, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings in http mode over a private copy of the corpus (one test adds a document)."""
    folder = tmp_path_factory.mktemp("http-mode")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    return make_settings(
        folder / "no-local-store", corpus, chroma_mode="http", chroma_port=server_port
    )


@pytest.fixture(scope="module")
def first_ingest(http_settings: Settings) -> IngestReport:
    report = index_corpus(http_settings)
    assert report.documents == 5 and report.chunks > 0 and not report.skipped
    assert report.generation is not None
    return report


@pytest.fixture(scope="module")
def http_assistant(http_settings: Settings, first_ingest: IngestReport) -> Assistant:
    return build_assistant(http_settings)


def _collections(settings: Settings) -> dict[str, int]:
    client = open_client(settings)
    return {c.name: c.count() for c in client.list_collections()}


def test_ingest_over_http_writes_into_the_server_and_nothing_on_local_disk(
    http_settings: Settings, first_ingest: IngestReport
) -> None:
    assert active_generation(open_client(http_settings), http_settings.collection) == (
        first_ingest.generation
    )
    assert not http_settings.store_dir.exists()


@pytest.mark.parametrize(("question", "figure", "source"), FIGURE_QUESTIONS)
def test_question_is_answered_with_the_right_figure_and_source_over_http(
    http_assistant: Assistant, question: str, figure: str, source: str
) -> None:
    assert_answers_with(http_assistant.ask(question), figure, source)


def test_fee_for_the_medical_physics_certificate_is_declined_over_http(
    http_assistant: Assistant,
) -> None:
    answer = http_assistant.ask(UNANSWERED_QUESTION)
    assert not answer.answered
    assert answer.citations == ()
    assert "could not find" in answer.text


def test_http_mode_answers_exactly_as_the_embedded_store(
    http_assistant: Assistant, assistant: Assistant
) -> None:
    for question in [*(q for q, _, _ in FIGURE_QUESTIONS), UNANSWERED_QUESTION]:
        assert http_assistant.ask(question) == assistant.ask(question)


def test_the_api_answers_from_the_chroma_server(
    http_settings: Settings, http_assistant: Assistant, tmp_path: Path
) -> None:
    settings = http_settings.model_copy(update={"database_path": tmp_path / "feedback.sqlite3"})
    with serve_in_thread(create_app(settings, http_assistant, ui=False)) as base:
        response = httpx.post(
            f"{base}/api/chat", json={"message": FIGURE_QUESTIONS[0][0]}, timeout=60
        )
        health = httpx.get(f"{base}/api/health", timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] and "4400" in body["text"]
    assert BME in {c["source"] for c in body["citations"]}
    assert all(c["url"].startswith("/api/documents/") for c in body["citations"])
    assert health.status_code == 200 and health.json()["programmes"] == 5


def test_a_second_ingest_into_the_server_changes_nothing(
    http_settings: Settings, first_ingest: IngestReport
) -> None:
    before = _collections(http_settings)
    report = index_corpus(http_settings)
    assert not report.changed
    assert report.generation == first_ingest.generation
    assert _collections(http_settings) == before


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def test_two_assistants_on_one_server_see_a_new_generation_without_restart(
    http_settings: Settings, first_ingest: IngestReport
) -> None:
    workers = [build_assistant(http_settings), build_assistant(http_settings)]
    for worker in workers:
        assert "290" not in worker.ask(NEW_QUESTION).text
        assert worker.retriever.index().generation == first_ingest.generation

    path = http_settings.corpus_dir / f"{NEW_ID}.md"
    path.write_text(NEW_DOCUMENT, encoding="utf-8")
    try:
        added = index_corpus(http_settings)
        assert added.added == [NEW_ID] and added.generation != first_ingest.generation

        def all_answer_from_the_new_document() -> bool:
            answers = [worker.ask(NEW_QUESTION) for worker in workers]
            return all(
                "290" in a.text and NEW_ID in {c.source for c in a.citations} for a in answers
            )

        assert _wait_until(all_answer_from_the_new_document, PICKUP_SECONDS)
        assert {w.retriever.index().generation for w in workers} == {added.generation}
    finally:
        path.unlink(missing_ok=True)
        restored = index_corpus(http_settings)

    assert restored.removed == [NEW_ID]
    assert _wait_until(
        lambda: all("290" not in w.ask(NEW_QUESTION).text for w in workers), PICKUP_SECONDS
    )
    assert {w.retriever.index().generation for w in workers} == {restored.generation}
