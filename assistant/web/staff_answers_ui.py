"""The staff view's saved answers, as Gradio shows them: a form to answer a question the documents
leave open (from a draft's gap or from what to answer next), the list of saved answers with
search, edit and retire, and the unanswered questions grouped by meaning. Each change is made
under the signed-in staff member's name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.conversation.unanswered import UnansweredGroup
from assistant.database.saved_answers import SavedAnswer, SavedAnswers
from assistant.errors import AssistantError
from assistant.web.ui_text import chat_markdown, friendly_error

ALL_PROGRAMMES = ""  # the programme dropdown's value for "every programme"


@dataclass(frozen=True)
class AnswerFields:
    """What staff fill in to save an answer, as the form holds it."""

    question: str
    answer: str
    programme: str  # a document id, or ALL_PROGRAMMES
    valid_until: str  # YYYY-MM-DD, or empty


class FormError(ValueError):
    """What is wrong with the form, said as the person filling it in should read it."""


def valid_until_of(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormError(
            f"“{text}” is not a date: write the last day the answer holds as YYYY-MM-DD, "
            "for example 2027-08-31, or leave it empty."
        ) from None


def saved_with(
    store: SavedAnswers, fields: AnswerFields, author: str, answer_id: int | None
) -> str:
    """Save a new answer (or the one with ``answer_id``) and say so; FormError for what to fix."""
    question, answer = (fields.question or "").strip(), (fields.answer or "").strip()
    if not question:
        raise FormError("Write the question, as applicants ask it.")
    if not answer:
        raise FormError("Write the answer first.")
    until = valid_until_of(fields.valid_until)
    programme = fields.programme or None
    try:
        if answer_id is None:
            saved = store.add(question, answer, author, programme, until)
        else:
            saved = store.update(answer_id, question, answer, author, programme, until)
    except AssistantError as exc:
        raise FormError(friendly_error(exc)) from None
    verb = "Saved" if answer_id is None else "Changed"
    return (
        f"{verb} as answer #{saved.id}, by {chat_markdown(author)}. From now on a question "
        "asking this that the documents do not answer gets it, marked as the office's."
    )


def answer_choices(answers: Sequence[SavedAnswer]) -> list[tuple[str, int]]:
    """The dropdown's entries: '#12 · Can I pay in instalments?' for id 12."""
    return [(f"#{a.id} · {_short(a.question)}", a.id) for a in answers]


def answers_table(
    answers: Sequence[SavedAnswer], programme_title: Callable[[str], str]
) -> list[list[str]]:
    """The saved answers as rows: id, question, answer, programme, valid until, last change."""
    return [
        [
            f"#{a.id}",
            a.question,
            a.answer,
            programme_title(a.programme) if a.programme else "All programmes",
            a.valid_until.isoformat() if a.valid_until else "",
            f"{a.updated_by}, {a.updated_at[:10]}" + (" (retired)" if a.retired_at else ""),
        ]
        for a in answers
    ]


ANSWER_COLUMNS = ["#", "Question", "Answer", "Programme", "Valid until", "Last change"]


def history_markdown(store: SavedAnswers, answer_id: int) -> str:
    """Who changed the answer, when, and what it then read (oldest first)."""
    lines = [
        f"- {c.at[:16].replace('T', ' ')} · **{chat_markdown(c.author)}** {c.action}: "
        f"“{chat_markdown(_short(c.answer, 120))}”"
        for c in store.history(answer_id)
    ]
    return "**History**\n\n" + "\n".join(lines)


def groups_markdown(groups: Sequence[UnansweredGroup], retention_days: int) -> str:
    """What to answer next, one line per group: how often, when last, one or two wordings."""
    if retention_days <= 0:
        return "Unanswered questions are not kept on this server (retention is 0 days)."
    if not groups:
        return (
            "No unanswered questions in the last "
            f"{retention_days} days: everything asked was answered."
        )
    lines = [
        f"{n}. **{g.count}×**, last {g.last_asked[:16].replace('T', ' ')} UTC: "
        + " · ".join(f"“{chat_markdown(e)}”" for e in g.examples[:2])
        for n, g in enumerate(groups, 1)
    ]
    return (
        f"Questions nothing answered in the last {retention_days} days, grouped by meaning, "
        "the most asked first (e-mail addresses and phone numbers removed):\n\n" + "\n".join(lines)
    )


def group_choices(groups: Sequence[UnansweredGroup]) -> list[tuple[str, str]]:
    return [
        (f"{n}. {_short(g.examples[0])} ({g.count}×)", g.examples[0])
        for n, g in enumerate(groups, 1)
    ]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
