"""Training questions -> what the reader sees at run time: the question as the assistant reads
it, the retriever's candidate units for it, and which of them answer."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.reading.reader import (
    evidence_passage,
    programme_label,
    query_question,
    unit_passage,
)
from assistant.config import PROJECT_ROOT, Settings
from assistant.conversation.assistant import Assistant, Turn, build_assistant
from assistant.conversation.emails import split_email
from training.questions import Ask, Record

CANDIDATES = 16  # as many as the answer path reads


TRAINING_CORPORA = (PROJECT_ROOT / "corpus", PROJECT_ROOT / "eval" / "testbed")


@contextmanager
def indexed_assistant(folders: Sequence[Path] = TRAINING_CORPORA) -> Iterator[Assistant]:
    """The rules-only assistant over the seed documents and the test bed's development pages
    (never its held-out ones), indexed together into a temporary store: the reader learns to
    tell a programme's sentences from another programme's."""
    from eval.corpora import temporary_index

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            feedback_db=Path(tmp) / "feedback.sqlite3",
            reader="off",
        )
        with temporary_index(settings, folders) as indexed:
            yield build_assistant(indexed)


@dataclass(frozen=True)
class Candidate:
    doc: str
    text: str
    passage: str
    label: int
    near: bool = False


@dataclass(frozen=True)
class Example:
    record: str
    question: str
    answerable: bool
    candidates: tuple[Candidate, ...]
    tags: tuple[str, ...] = ()


class UnitLookup:
    """Every unit of the live index by (document, verbatim text)."""

    def __init__(self, assistant: Assistant) -> None:
        index = assistant.retriever.index()
        snapshot = index.snapshot
        self.passages: dict[tuple[str, str], str] = {}
        for meta, text in zip(snapshot.unit_metas, snapshot.unit_texts, strict=True):
            doc = str(meta["doc_id"])
            columns = tuple(c for c in str(meta.get("columns", "")).split("|") if c)
            passage = unit_passage(
                text,
                str(meta["heading"]),
                str(meta.get("lead", "")),
                columns,
                programme_label(index.documents[doc]),
            )
            self.passages[(doc, text)] = passage

    def passage(self, doc: str, text: str) -> str | None:
        return self.passages.get((doc, text))


def ask_messages(record: Record, ask: Ask, rng: random.Random) -> str:
    """The text the assistant understands for one ask: the whole message when it asks one thing;
    otherwise the ask, with the rest of the message (who asks) half of the time, as a chat
    message is read, and alone the other half, as an email's questions are."""
    if len(record.asks) == 1:
        return record.message
    _, context = split_email(record.message)
    for other in record.asks:
        context = context.replace(other.text, " ")
    context = " ".join(context.split())
    return f"{context} {ask.text}".strip() if context and rng.random() < 0.5 else ask.text


def build_examples(
    assistant: Assistant,
    records: Iterable[Record],
    seed: int,
    candidates: int = CANDIDATES,
    labelled_too: bool = True,
) -> list[Example]:
    """One example per ask. ``labelled_too`` adds the labelled answers and near misses the
    retriever missed (for training; the run-time candidates alone measure the answer path)."""
    rng = random.Random(seed)
    lookup = UnitLookup(assistant)
    documents = assistant.retriever.index().documents
    examples: list[Example] = []
    for record in records:
        history = [Turn(role, content) for role, content in record.history]  # type: ignore[arg-type]
        for ask in record.asks:
            query = assistant.understand(ask_messages(record, ask, rng), history, record.programme)
            _, result = assistant.retriever.search(query)
            answers = {(u.doc, u.text) for u in ask.answers}
            near = {(u.doc, u.text) for u in ask.near}
            chosen: dict[tuple[str, str], Candidate] = {}
            for item in result.evidence[:candidates]:
                key = (item.doc_id, item.text)
                chosen[key] = Candidate(
                    item.doc_id,
                    item.text,
                    evidence_passage(item, documents),
                    int(key in answers),
                    key in near,
                )
            for key in sorted(answers | near) if labelled_too else ():
                passage = lookup.passage(*key)
                if key not in chosen and passage is not None:
                    chosen[key] = Candidate(*key, passage, int(key in answers), key in near)
            examples.append(
                Example(
                    record=record.id,
                    question=query_question(query, documents),
                    answerable=ask.answerable,
                    candidates=tuple(chosen.values()),
                    tags=record.tags,
                )
            )
    return examples
