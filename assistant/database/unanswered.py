"""The questions the assistant could not answer, kept for staff to answer next (see the staff
view's "What to answer next"). Kept without IP addresses, with e-mail addresses and phone numbers
removed, for ``retention_days`` (older ones are deleted as new ones come in)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from assistant.database.engine import engine_for
from assistant.database.schema import unanswered_question

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "+32 16 32 40 10", "0470/12.34.56", "(016) 324 010": seven or more digits with separators
_PHONE = re.compile(r"(?<![\w.,])\+?\(?\d[\d\s()./-]{5,}\d(?![\w])")


def scrubbed(text: str) -> str:
    """The text without e-mail addresses and phone numbers; a year, a score or a fee stays."""
    text = _EMAIL.sub("[e-mail address]", text)
    return _PHONE.sub(_phone_or_number, text)


# what looks like a phone number but is an academic year or a date: "2024-2025", "01/03/2025"
_NOT_A_PHONE = re.compile(r"\d{4}\s*[-/]\s*\d{2,4}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _phone_or_number(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(re.sub(r"\D", "", found)) < 7 or _NOT_A_PHONE.fullmatch(found.strip()):
        return found
    return "[phone number]"


def stored_form(question: str) -> str:
    """A question as the log keeps it: spaces folded, scrubbed, at most MAX_QUESTION_CHARS."""
    return scrubbed(" ".join(question.split()))[:MAX_QUESTION_CHARS]


@dataclass(frozen=True)
class Unanswered:
    asked_at: str
    question: str
    programme: str | None


class UnansweredLog:
    """The unanswered questions in the database at ``url``."""

    def __init__(
        self, url: str, retention_days: int, clock: type[dt.datetime] = dt.datetime
    ) -> None:
        self.url = url
        self.retention_days = retention_days
        self.clock = clock

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    def record(self, questions: Iterable[str], programme: str | None) -> None:
        """Keep each question (scrubbed), and forget those past the retention period. A
        database that fails is logged, never raised: answering goes on."""
        now = self.clock.now(dt.UTC)
        rows = [
            {
                "asked_at": now.isoformat(timespec="seconds"),
                "question": stored_form(q),
                "programme": programme or "",
            }
            for q in questions
            if q.strip()
        ]
        if not rows or self.retention_days <= 0:
            return
        oldest = (now - dt.timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.insert(unanswered_question), rows)
                connection.execute(
                    sa.delete(unanswered_question).where(unanswered_question.c.asked_at < oldest)
                )
        except SQLAlchemyError as error:
            logger.warning("an unanswered question was not kept: %s", type(error).__name__)

    def recent(self, limit: int = 1000) -> list[Unanswered]:
        """The latest questions within the retention period, newest first."""
        oldest = (self.clock.now(dt.UTC) - dt.timedelta(days=self.retention_days)).isoformat(
            timespec="seconds"
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(unanswered_question)
                .where(unanswered_question.c.asked_at >= oldest)
                .order_by(unanswered_question.c.asked_at.desc(), unanswered_question.c.id.desc())
                .limit(limit)
            ).mappings()
            return [Unanswered(r["asked_at"], r["question"], r["programme"] or None) for r in rows]
