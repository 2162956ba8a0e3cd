"""The admissions office's saved answers: what the documents do not say, answered once by staff
and reused. Every change is kept (who, when, what the answer then read); a retired answer is
kept too, and never used again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from assistant.database.engine import engine_for
from assistant.database.schema import staff_answer, staff_answer_change
from assistant.errors import InputError, SavedAnswerNotFoundError

MAX_QUESTION_CHARS = 1000
MAX_ANSWER_CHARS = 4000
MAX_AUTHOR_CHARS = 100


@dataclass(frozen=True)
class SavedAnswer:
    id: int
    question: str
    answer: str
    programme: str | None  # a document id; None: every programme
    valid_until: dt.date | None
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    retired_at: str = ""

    def in_use(self, today: dt.date) -> bool:
        """Not retired, and not past its "valid until" date."""
        return not self.retired_at and (self.valid_until is None or today <= self.valid_until)


@dataclass(frozen=True)
class Change:
    answer_id: int
    at: str
    author: str
    action: str  # created, edited, retired
    question: str
    answer: str
    programme: str | None
    valid_until: dt.date | None


def checked_answer(
    question: str, answer: str, programme: str | None, valid_until: dt.date | None
) -> tuple[str, str, str, str]:
    """The fields as stored; InputError naming what is wrong."""
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise InputError("a saved answer needs the question and the answer")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    if len(answer) > MAX_ANSWER_CHARS:
        raise InputError(f"the answer is longer than {MAX_ANSWER_CHARS} characters")
    if "<" in answer and ">" in answer:
        raise InputError("a saved answer is plain text or Markdown, not HTML")
    return question, answer, programme or "", valid_until.isoformat() if valid_until else ""


class SavedAnswers:
    """The saved answers in one database (a SQLAlchemy URL), opened on first use."""

    def __init__(self, url: str, clock: type[dt.datetime] = dt.datetime) -> None:
        self.url = url
        self.clock = clock

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    def _now(self) -> str:
        return self.clock.now(dt.UTC).isoformat(timespec="seconds")

    def _change(
        self,
        question: str,
        answer: str,
        programme: str | None,
        valid_until: dt.date | None,
        author: str,
    ) -> tuple[dict[str, str], str, str]:
        """The checked fields of a change, its time and its author."""
        values = checked_answer(question, answer, programme, valid_until)
        return dict(zip(_FIELDS, values, strict=True)), self._now(), _author(author)

    def add(
        self,
        question: str,
        answer: str,
        author: str,
        programme: str | None = None,
        valid_until: dt.date | None = None,
    ) -> SavedAnswer:
        fields, now, author = self._change(question, answer, programme, valid_until, author)
        with self.engine.begin() as connection:
            answer_id = connection.execute(
                sa.insert(staff_answer).returning(staff_answer.c.id),
                {
                    **fields,
                    "created_at": now,
                    "created_by": author,
                    "updated_at": now,
                    "updated_by": author,
                },
            ).scalar_one()
            _log(connection, answer_id, now, author, "created", fields)
        return self.get(answer_id)

    def update(
        self,
        answer_id: int,
        question: str,
        answer: str,
        author: str,
        programme: str | None = None,
        valid_until: dt.date | None = None,
    ) -> SavedAnswer:
        fields, now, author = self._change(question, answer, programme, valid_until, author)
        with self.engine.begin() as connection:
            changed = connection.execute(
                sa.update(staff_answer)
                .where((staff_answer.c.id == answer_id) & (staff_answer.c.retired_at == ""))
                .values(**fields, updated_at=now, updated_by=author)
            ).rowcount
            if not changed:
                raise SavedAnswerNotFoundError(f"There is no saved answer {answer_id} in use.")
            _log(connection, answer_id, now, author, "edited", fields)
        return self.get(answer_id)

    def retire(self, answer_id: int, author: str) -> None:
        """Never use this answer again (it stays, with its history)."""
        now, author = self._now(), _author(author)
        with self.engine.begin() as connection:
            row = (
                connection.execute(
                    sa.select(staff_answer).where(
                        (staff_answer.c.id == answer_id) & (staff_answer.c.retired_at == "")
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise SavedAnswerNotFoundError(f"There is no saved answer {answer_id} in use.")
            connection.execute(
                sa.update(staff_answer)
                .where(staff_answer.c.id == answer_id)
                .values(retired_at=now, updated_at=now, updated_by=author)
            )
            _log(connection, answer_id, now, author, "retired", {k: row[k] for k in _FIELDS})

    def get(self, answer_id: int) -> SavedAnswer:
        with self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(staff_answer).where(staff_answer.c.id == answer_id))
                .mappings()
                .first()
            )
        if row is None:
            raise SavedAnswerNotFoundError(f"There is no saved answer {answer_id}.")
        return _saved(row)

    def all(self, *, search: str = "", retired: bool = False) -> list[SavedAnswer]:
        """The saved answers, newest first: those in use (and the retired ones with
        ``retired``), whose question or answer holds ``search``."""
        query = sa.select(staff_answer).order_by(staff_answer.c.id.desc())
        if not retired:
            query = query.where(staff_answer.c.retired_at == "")
        if search.strip():
            pattern = f"%{search.strip().lower()}%"
            query = query.where(
                sa.func.lower(staff_answer.c.question).like(pattern)
                | sa.func.lower(staff_answer.c.answer).like(pattern)
            )
        with self.engine.connect() as connection:
            return [_saved(row) for row in connection.execute(query).mappings()]

    def in_use(self, today: dt.date) -> list[SavedAnswer]:
        return [saved for saved in self.all() if saved.in_use(today)]

    def history(self, answer_id: int) -> list[Change]:
        """Every change to one answer, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(staff_answer_change)
                .where(staff_answer_change.c.answer_id == answer_id)
                .order_by(staff_answer_change.c.id)
            ).mappings()
            return [
                Change(
                    answer_id=row["answer_id"],
                    at=row["at"],
                    author=row["author"],
                    action=row["action"],
                    question=row["question"],
                    answer=row["answer"],
                    programme=row["programme"] or None,
                    valid_until=_date(row["valid_until"]),
                )
                for row in rows
            ]


_FIELDS = ("question", "answer", "programme", "valid_until")


def _author(author: str) -> str:
    author = " ".join(author.split())
    if not author or len(author) > MAX_AUTHOR_CHARS:
        raise InputError("a change to a saved answer needs its author's name")
    return author


def _log(
    connection: sa.Connection,
    answer_id: int,
    at: str,
    author: str,
    action: str,
    fields: dict[str, str],
) -> None:
    connection.execute(
        sa.insert(staff_answer_change),
        {"answer_id": answer_id, "at": at, "author": author, "action": action, **fields},
    )


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _saved(row: sa.RowMapping) -> SavedAnswer:
    return SavedAnswer(
        id=row["id"],
        question=row["question"],
        answer=row["answer"],
        programme=row["programme"] or None,
        valid_until=_date(row["valid_until"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
        retired_at=row["retired_at"],
    )
