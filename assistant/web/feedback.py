"""Thumbs up or down on an answer, kept in a SQLite file for staff to export as CSV (the staff
sessions of ``assistant.web.api.security`` are kept in the same file).

One connection per operation, WAL journal so a reader (the export) never blocks a writer
(the chat), and the file's folder is created on first use.
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '',
    programme TEXT NOT NULL DEFAULT '',
    conversation_id TEXT NOT NULL DEFAULT ''
)
"""
# Columns added since the first release; a file made before gets them on first use.
_ADDED_COLUMNS = {
    "programme": "TEXT NOT NULL DEFAULT ''",
    "conversation_id": "TEXT NOT NULL DEFAULT ''",
    "edit_key": "TEXT NOT NULL DEFAULT ''",
}

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
    """The feedback table in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connect(self, timeout: float = 10.0) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction, to this file (which also keeps the staff sessions);
        a failure is a FeedbackStoreError."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=timeout)) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(_SCHEMA)
                _add_missing_columns(connection)
                with connection:
                    yield connection
        except (sqlite3.Error, OSError) as exc:
            logger.error("feedback database %s failed: %s", self.path, exc)
            raise FeedbackStoreError(_cause(exc)) from exc

    def problem(self) -> str | None:
        """Why a vote cannot be stored right now, or None when it can (for health checks).
        Runs a write that changes nothing, which a corrupt or read-only file refuses; a database
        busy with another vote is fine."""
        try:
            with self.connect(timeout=0.5) as connection:
                connection.execute("DELETE FROM feedback WHERE 0")
        except FeedbackStoreError as exc:
            return None if "database is locked" in str(exc) else str(exc)
        return None

    def record(self, feedback: Feedback, *, now: dt.datetime | None = None) -> tuple[int, str]:
        """Store one verdict with a UTC timestamp; returns its id and the secret key that lets
        whoever cast it add a comment later (``comment_with_key``)."""
        created_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        key = secrets.token_urlsafe(24)
        with self.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, rating, comment, question, answer, sources,"
                " programme, conversation_id, edit_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    created_at,
                    feedback.rating,
                    feedback.comment,
                    feedback.question,
                    feedback.answer,
                    "\n".join(feedback.sources),
                    feedback.programme,
                    feedback.conversation_id,
                    key,
                ),
            )
            return int(cursor.lastrowid or 0), key

    def comment_with_key(self, feedback_id: int, key: str, comment: str) -> None:
        """Set the comment of the stored vote with this id, if ``key`` is the one it was given
        (a vote is stored at the click; the comment follows)."""
        if not self._set_comment(
            comment, "id = ? AND edit_key = ? AND edit_key != ''", feedback_id, key
        ):
            raise FeedbackNotFoundError(
                f"There is no vote {feedback_id} with this key: send the id and key that "
                "POST /api/feedback returned."
            )

    def add_comment(self, feedback_id: int, comment: str) -> None:
        """Set the comment of a stored verdict (the chat asks for it after a thumbs down)."""
        self._set_comment(comment, "id = ?", feedback_id)

    def _set_comment(self, comment: str, where: str, *params: object) -> int:
        """Set the comment of the rows ``where`` picks; returns how many it changed."""
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        with self.connect() as connection:
            return connection.execute(
                f"UPDATE feedback SET comment = ? WHERE {where}", (comment.strip(), *params)
            ).rowcount

    def rows(self) -> list[tuple[object, ...]]:
        """Every stored verdict, oldest first, in the order of EXPORT_COLUMNS."""
        if not self.path.exists():
            return []
        with self.connect() as connection:
            columns = ", ".join(EXPORT_COLUMNS)
            return list(connection.execute(f"SELECT {columns} FROM feedback ORDER BY id"))

    def export_csv(self) -> str:
        """All verdicts as CSV with a header, safe to open in a spreadsheet of any locale: every
        field quoted, and no formula at the start of a field or after a separator."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(EXPORT_COLUMNS)
        for row in self.rows():
            writer.writerow([_defuse(value) for value in row])
        return buffer.getvalue()


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    present = {row[1] for row in connection.execute("PRAGMA table_info(feedback)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in present:
            connection.execute(f"ALTER TABLE feedback ADD COLUMN {name} {definition}")


def _cause(exc: Exception) -> str:
    """What is wrong with the feedback database, without its path (the log has that)."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
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
    feedback = Feedback(
        rating=rating,  # type: ignore[arg-type]  # checked in __post_init__
        question=question,
        answer=answer,
        sources=tuple(sources),
        comment=comment,
        programme=programme,
        conversation_id=conversation_id,
    )
    return store.record(feedback)
