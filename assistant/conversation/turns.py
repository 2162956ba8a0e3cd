"""What a conversation is made of: its turns, the asks of a message, an email's reply draft and
the programmes it can be about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.answering.answer import Answer, Citation
from assistant.understanding.query import Query


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class ReplyDraft:
    """A reply to an applicant's email, for staff to check, complete and send."""

    text: str
    questions: tuple[str, ...]
    answers: tuple[Answer, ...]
    unanswered: tuple[str, ...]

    @property
    def citations(self) -> tuple[Citation, ...]:
        seen: dict[tuple[str, str], Citation] = {}
        for answer in self.answers:
            for citation in answer.citations:
                seen.setdefault((citation.source, citation.quote), citation)
        return tuple(seen.values())


@dataclass(frozen=True)
class Ask:
    """One question of a message, with what the message and the conversation say around it."""

    text: str  # what is read: the message, or one of its questions with the message's context
    asked: str = ""  # the question alone, when the message asks several
    history: tuple[Turn, ...] = ()
    programme: str | None = None  # the widget's or picker's, or the one the message names
    background: Query | None = None  # who asks, read from the rest of an e-mail


@dataclass(frozen=True)
class ProgrammeInfo:
    id: str
    title: str
    institution: str
    programme: str
    kind: str
    academic_year: str | None
