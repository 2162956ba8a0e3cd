"""Shared fixtures: one real index (real MiniLM, real Chroma on disk) built once per session."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.answer import Answer
from assistant.config import PROJECT_ROOT, Settings, apply_offline_environment
from assistant.conversation.assistant import Assistant, build_assistant
from assistant.documents.indexing import index_corpus

apply_offline_environment()

CORPUS = PROJECT_ROOT / "corpus"
TODAY = dt.date(2026, 11, 22)

BME = "kul-biomedical-engineering-postgraduate"
LEIDEN = "leiden-biomedical-sciences-master"
# The questions every store mode must answer with this figure, citing this document.
FIGURE_QUESTIONS = [
    (
        "What is the full-time tuition fee for a non-EEA student in the BME postgraduate?",
        "4400",
        BME,
    ),
    ("When is the application deadline for non-EEA applicants?", "1 March", BME),
    ("Does the BME postgraduate give a diploma?", "certificate", BME),
    ("What IELTS score do I need for Leiden?", "6.0", LEIDEN),
    ("How many ECTS is Biomedical Data Processing?", "6 ECTS", BME),
]


def assert_answers_with(answer: Answer, figure: str, source: str) -> None:
    """A figure question's answer: answered, with the figure, citing the document that has it."""
    assert answer.answered
    assert figure in answer.text
    assert source in {c.source for c in answer.citations}


# No document gives it: it must be declined.
UNANSWERED_QUESTION = "What is the tuition fee for the medical physics certificate?"


def make_settings(store_dir: Path, corpus_dir: Path = CORPUS, **overrides: object) -> Settings:
    """Settings for a test: explicit paths, nothing read from the environment or a .env file."""
    values: dict[str, object] = {
        "corpus_dir": corpus_dir,
        "store_dir": store_dir,
        "database_path": store_dir.parent / "feedback.sqlite3",
        "today": TODAY,
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus indexed into a temporary on-disk Chroma store."""
    root = tmp_path_factory.mktemp("index")
    settings = make_settings(root / "chroma")
    report = index_corpus(settings)
    assert report.documents == 5 and not report.skipped
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings: Settings) -> Assistant:
    return build_assistant(index_settings)


@pytest.fixture(scope="session")
def rules(index_settings: Settings) -> Assistant:
    """The answer rules without the reader's veto (``ASSISTANT_READER=off``), for tests that
    specify which sentence the rules choose; what the default's veto does on top of them is
    measured by the evaluation gates (``tests/test_eval_gate.py``)."""
    return build_assistant(index_settings.model_copy(update={"reader": "off"}))


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    yield target
