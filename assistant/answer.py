"""Evidence -> Answer: the result type every surface uses, and the extractive composer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from one corpus document that supports the answer."""

    source: str  # document id, the file stem in corpus/
    title: str
    quote: str
    heading: str = ""


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
