"""A conversation: a message and its history in, an Answer out. No web imports here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.answer import Answer


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


@dataclass(frozen=True)
class ProgrammeInfo:
    id: str
    title: str
    institution: str
    programme: str
    kind: str
    academic_year: str | None


class Assistant:
    """The one entry point every surface (CLI, API, UI, eval) uses."""

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        raise NotImplementedError

    def stream(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the complete Answer as the last item."""
        raise NotImplementedError

    def draft_reply(self, email_text: str) -> ReplyDraft:
        raise NotImplementedError

    def programmes(self) -> list[ProgrammeInfo]:
        raise NotImplementedError

    def document(self, doc_id: str) -> tuple[ProgrammeInfo, str]:
        """The document's description and its Markdown body (for source links)."""
        raise NotImplementedError


def get_assistant() -> Assistant:
    """The process-wide assistant built from get_settings(); the index is opened lazily."""
    raise NotImplementedError
