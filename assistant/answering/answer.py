"""The answer every surface receives: its text and citations, and how a quoted sentence reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents.splitting import cited_text, table_cells, unit_display
from assistant.retrieval.index import Evidence


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from one corpus document that supports the answer."""

    source: str  # document id, the file stem in corpus/; a saved answer: "staff-answer-<id>"
    title: str
    quote: str
    heading: str = ""
    kind: str = "document"  # or "staff_answer": the admissions office's saved answer
    answer_id: int | None = None  # a saved answer's id
    author: str = ""  # who last wrote the saved answer
    date: str = ""  # when (YYYY-MM-DD)


@dataclass(frozen=True)
class Answer:
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    programme: str | None = None  # id of the programme document the answer is about
    standalone_question: str = ""  # what was searched, after resolving the conversation
    language: str = "en"
    clarification: bool = False  # the text asks the user which programme they mean
    retrieved: tuple[str, ...] = field(default=(), compare=False)  # doc ids, best first
    gaps: int = 0  # questions of the message that the documents do not answer
    note: str = ""  # the last line of the text when it dates the figures ("Note: ...")
    small_talk: bool = False  # a greeting or a thank-you, answered in kind
    unanswered: tuple[str, ...] = ()  # the questions of the message nothing here answers


# "[2]": a quote's number among its answer's sources, as the answer text marks it.
CITATION_MARK = re.compile(r"\[(\d+)\]")


def quote_of(item: Evidence) -> str:
    """The verbatim text cited: list markers dropped, table rows kept as they stand."""
    return cited_text(item.text)


def readable(item: Evidence) -> str:
    """How a quote reads inside the answer; a table row becomes 'Course (Code): 6 ECTS'."""
    if not item.text.startswith("|"):
        return f"“{unit_display(item.text)}”"
    cells = table_cells(item.text)
    if len(cells) == 3 and len(item.columns) == 3:
        return f"{cells[1]} ({cells[0]}): {cells[2]} {item.columns[2]}"
    return "; ".join(f"{c}: {v}" for c, v in zip(item.columns, cells, strict=False)) or " – ".join(
        cells
    )
