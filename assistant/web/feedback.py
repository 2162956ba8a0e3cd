"""Thumbs up or down on an answer, kept in the database for staff to export as CSV (the staff
sessions of ``assistant.web.api.security`` are kept in the same database).

One transaction per operation. The database is a SQLite file by default (WAL journal, so a reader,
the export, never blocks a writer, the chat; its folder created on first use) or a server that
several hosts share; a feedback file from before the database is imported once (``import_file``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from assistant.database import database_url, engine_for, feedback, sqlite_file
from assistant.database.engine import SQLITE_TIMEOUT_S
from assistant.errors import FeedbackNotFoundError, FeedbackStoreError, InputError

logger = logging.getLogger(__name__)

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")

MAX_COMMENT_CHARS = 2000
MAX_TEXT_CHARS = 20_000
MAX_SOURCES = 20

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "rating",
    "comment",
    "question",
    "answer",
    "sources",
    "programme",
    "conversation_id",
)
# Spreadsheet programs read a CSV file as UTF-8 only when it starts with the byte order mark.
CSV_BOM = "\ufeff"

# A spreadsheet runs a cell that starts with one of these as a formula (the full-width forms too).
_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# What splits a line into cells in some locale's spreadsheet: the comma, the semicolon of the
# locales whose decimal mark is a comma, tab, pipe, the Arabic and full-width comma and semicolon;
# and a line break of any kind, which starts a new row for a reader that ignores quotes.
_SEPARATORS = frozenset(",;\t|\u060c\u061b\uff0c\uff1b\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class Feedback:
    """One person's verdict on one answer."""

    rating: Rating
    question: str
    answer: str
    sources: tuple[str, ...] = ()
    comment: str = ""
    programme: str = ""
    conversation_id: str = ""

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise InputError(f"rating must be 'up' or 'down', not {self.rating!r}")
        if len(self.comment) > MAX_COMMENT_CHARS:
            raise InputError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        if len(self.programme) > 200 or len(self.conversation_id) > 64:
            raise InputError("the programme or conversation id is too long")
        for name, value in (("question", self.question), ("answer", self.answer)):
            if not value.strip():
                raise InputError(f"the {name} is empty: a vote needs the question and its answer")
            if len(value) > MAX_TEXT_CHARS:
                raise InputError(f"the {name} is longer than {MAX_TEXT_CHARS} characters")
        if len(self.sources) > MAX_SOURCES:
            raise InputError(f"at most {MAX_SOURCES} sources can be given")


class FeedbackStore:
    """The feedback table of one database: ``target`` is a SQLAlchemy URL, or the path of a
    SQLite file."""

    def __init__(self, target: str | Path) -> None:
        self.url = database_url(target)
        self.path = sqlite_file(self.url)  # None for a database server

    @contextmanager
    def connect(self, timeout: float = SQLITE_TIMEOUT_S) -> Iterator[Connection]:
        """A connection in a transaction to this database (which also keeps the staff
        sessions); a failure is a FeedbackStoreError."""
        try:
            with engine_for(self.url).begin() as connection:
                if self.path is not None and timeout != SQLITE_TIMEOUT_S:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                yield connection
        except (SQLAlchemyError, OSError) as exc:
            logger.error("feedback database %s failed: %s", self._shown(), exc)
            raise FeedbackStoreError(_cause(exc)) from exc

    def _shown(self) -> str:
        return str(self.path) if self.path is not None else make_url(self.url).render_as_string()

    def problem(self) -> str | None:
        """Why a vote cannot be stored right now, or None when it can (for health checks).
        Runs a write that changes nothing, which a corrupt or read-only database refuses; a
        database busy with another vote is fine."""
        try:
            with self.connect(timeout=0.5) as connection:
                connection.execute(sa.delete(feedback).where(sa.false()))
        except FeedbackStoreError as exc:
            return None if "database is locked" in str(exc) else str(exc)
        return None

    def record(self, item: Feedback, *, now: dt.datetime | None = None) -> tuple[int, str]:
        """Store one verdict with a UTC timestamp; returns its id and the secret key that lets
        whoever cast it add a comment later (``comment_with_key``)."""
        created_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        key = secrets.token_urlsafe(24)
        with self.connect() as connection:
            inserted = connection.execute(
                sa.insert(feedback).returning(feedback.c.id),
                {
                    "created_at": created_at,
                    "rating": item.rating,
                    "comment": item.comment,
                    "question": item.question,
                    "answer": item.answer,
                    "sources": "\n".join(item.sources),
                    "programme": item.programme,
                    "conversation_id": item.conversation_id,
                    "edit_key": key,
                },
            )
            return int(inserted.scalar_one()), key

    def comment_with_key(self, feedback_id: int, key: str, comment: str) -> None:
        """Set the comment of the stored vote with this id, if ``key`` is the one it was given
        (a vote is stored at the click; the comment follows)."""
        picked = (
            (feedback.c.id == feedback_id)
            & (feedback.c.edit_key == key)
            & (feedback.c.edit_key != "")
        )
        if not self._set_comment(comment, picked):
            raise FeedbackNotFoundError(
                f"There is no vote {feedback_id} with this key: send the id and key that "
                "POST /api/feedback returned."
            )

    def add_comment(self, feedback_id: int, comment: str) -> None:
        """Set the comment of a stored verdict (the chat asks for it after a thumbs down)."""
        self._set_comment(comment, feedback.c.id == feedback_id)

    def _set_comment(self, comment: str, picked: sa.ColumnElement[bool]) -> int:
        """Set the comment of the rows ``picked``; returns how many it changed."""
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        with self.connect() as connection:
            return connection.execute(
                sa.update(feedback).where(picked).values(comment=comment.strip())
            ).rowcount

    def rows(self) -> list[tuple[object, ...]]:
        """Every stored verdict, oldest first, in the order of EXPORT_COLUMNS."""
        if self.path is not None and not self.path.exists():
            return []
        columns = [feedback.c[name] for name in EXPORT_COLUMNS]
        with self.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(sa.select(*columns).order_by(feedback.c.id))
            ]

    def export_csv(self) -> str:
        """All verdicts as CSV with a header, safe to open in a spreadsheet of any locale: every
        field quoted, and no formula at the start of a field or after a separator."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(EXPORT_COLUMNS)
        for row in self.rows():
            writer.writerow([_defuse(value) for value in row])
        return buffer.getvalue()

    def import_file(self, path: Path) -> int:
        """Copy every vote of a feedback file from before the database (a SQLite file with a
        ``feedback`` table) into this one, once: only while this one holds no vote. The file is
        left as it is. Returns how many votes were copied."""
        if not path.is_file() or (self.path is not None and self.path == path.resolve()):
            return 0
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
            source.row_factory = sqlite3.Row
            tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
            if "feedback" not in tables:
                return 0
            old = [dict(r) for r in source.execute("SELECT * FROM feedback ORDER BY id")]
        with self.connect() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(feedback)).scalar_one():
                return 0
            names = {c.name for c in feedback.columns}
            if old:
                kept = [{k: v for k, v in row.items() if k in names} for row in old]
                connection.execute(sa.insert(feedback), kept)
        logger.info("imported %d votes from %s", len(old), path)
        return len(old)


def _cause(exc: Exception) -> str:
    """What is wrong with the feedback database, without its path or the statement and its
    values (the log has those)."""
    if isinstance(exc, OSError) and exc.strerror:
        detail = exc.strerror
    else:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return f"the feedback database cannot be used ({detail})"


def _defuse(value: object) -> object:
    """The text with a ' before each stretch a spreadsheet could run as a formula: at the start
    and after every separator of any locale (a reader splitting on ';' finds a cell there), past
    spaces, quotes and invisible characters (zero-width space, BOM, no-break space) that a
    spreadsheet skips."""
    if not isinstance(value, str):
        return value
    parts = []
    start = 0
    for end, char in enumerate(value):
        if char in _SEPARATORS:
            parts.append(_defused_stretch(value[start:end]) + char)
            start = end + 1
    parts.append(_defused_stretch(value[start:]))
    return "".join(parts)


def _defused_stretch(text: str) -> str:
    shown = next((char for char in text if not _is_skipped(char)), "")
    return "'" + text if shown in _FORMULA_STARTS else text


def _is_skipped(char: str) -> bool:
    """Whether a spreadsheet may look past this character for the start of a formula."""
    return char.isspace() or char == '"' or unicodedata.category(char) in ("Cf", "Cc", "Zs")


def record_feedback(
    store: FeedbackStore,
    *,
    rating: str,
    question: str,
    answer: str,
    sources: Sequence[str] = (),
    comment: str = "",
    programme: str = "",
    conversation_id: str = "",
) -> tuple[int, str]:
    """Validate and store one verdict (the entry point the API and the UI share); returns its id
    and the key that lets its sender add a comment."""
    vote = Feedback(
        rating=rating,  # type: ignore[arg-type]  # checked in __post_init__
        question=question,
        answer=answer,
        sources=tuple(sources),
        comment=comment,
        programme=programme,
        conversation_id=conversation_id,
    )
    return store.record(vote)
