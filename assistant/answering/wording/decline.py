"""How a decline is worded: what was asked (its topic, never the message echoed), the questions
the programme's documents do answer, and whom to ask."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

from assistant import phrases
from assistant.answering.answer import Answer
from assistant.answering.wording.topics import topic_label
from assistant.documents.corpus import GENERAL
from assistant.tables import read_lists
from assistant.understanding.query import Query, stems


def decline(
    query: Query,
    documents: Mapping[str, Mapping[str, str]],
    base: Answer,
) -> Answer:
    """Say plainly that the documents do not answer, offer questions they do answer, and say
    whom to ask."""
    language = query.language
    programmes = [d for d in query.programmes if d in documents]
    if len(programmes) == 1:
        meta = documents[programmes[0]]
        text = phrases.ANSWERS(
            language,
            "decline",
            about=phrases.ANSWERS(language, "about", programme=meta["programme"] or meta["title"]),
            question=_asked(query),
        )
        offered = suggested_questions(programmes[0], query.english or query.text)
        if offered and language == "en":
            text += phrases.ANSWERS(
                language, "covers", questions=" ".join(f"“{q}”" for q in offered)
            )
        contact = " ".join(meta.get("contact", "").split())
        text += (
            phrases.ANSWERS(language, "contact", contact=contact)
            if contact
            else phrases.ANSWERS(language, "no_contact")
        )
        return replace(base, text=text, programme=programmes[0], gaps=1)
    names = "; ".join(f"{m['title']}" for m in documents.values() if m.get("kind") != GENERAL)
    text = phrases.ANSWERS(language, "decline", about="", question=_asked(query)) + phrases.ANSWERS(
        language, "scope", names=names
    )
    return replace(base, text=text, gaps=1)


def _asked(query: Query) -> str:
    """What a decline says it could not answer: the topic asked about ("your question about the
    tuition fee"), or what "is there a …?" asks about when it is a short plain phrase; never the
    message itself, which may carry typos or text meant to be echoed."""
    label = topic_label(query, query.language)
    subject = (query.subject or "").strip()
    if (
        not label
        and re.fullmatch(r"[A-Za-z][A-Za-z' -]{1,40}", subject)
        and len(subject.split()) <= 4
    ):
        label = subject
    if label:
        return phrases.ANSWERS(query.language, "asked_about", topic=label)
    return phrases.ANSWERS(query.language, "this_of_several" if query.asked else "this")


SUGGESTIONS_FILE = "suggestions.yaml"
OFFERED = 3


@lru_cache(maxsize=1)
def _suggestions() -> dict[str, tuple[str, ...]]:
    return read_lists(SUGGESTIONS_FILE)


def suggested_questions(doc_id: str, question: str) -> list[str]:
    """Up to three questions the document answers, those sharing most words with the question
    first."""
    asked = set(stems(question))
    offered = _suggestions().get(doc_id, ())
    ranked = sorted(offered, key=lambda q: -len(asked & set(stems(q))))
    return list(ranked[:OFFERED])
