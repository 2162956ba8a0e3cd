"""What an answer says it is about: the label of what was asked, the topic with its academic year,
and the institution as an answer names it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant import phrases
from assistant.answering.selection import DATED
from assistant.retrieval.index import Evidence
from assistant.understanding.query import INTENTS_BY_NAME, Query


def topic_label(query: Query, language: str, chosen: Sequence[Evidence] = ()) -> str:
    """What the answer is about: what the question word asks for, else what the quotes answer."""
    answered = [n for n in query.intents if any(n in e.intents for e in chosen)]
    for name in [query.focus] if query.focus else answered or query.intents:
        intent = INTENTS_BY_NAME[name]
        return intent.label_nl if language == "nl" else intent.label_en
    return ""


def topic_phrase(
    query: Query, meta: Mapping[str, str], dated: bool, chosen: Sequence[Evidence]
) -> str:
    label = topic_label(query, query.language, chosen)
    if not label:
        return phrases.ANSWERS(query.language, "general")
    year = meta.get("academic_year", "")
    key = "topic_year" if dated and year else "topic"
    return phrases.ANSWERS(query.language, key, label=label, year=year)


def is_dated(query: Query, chosen: Sequence[Evidence]) -> bool:
    return bool(DATED & set(query.intents)) or any(
        re.search(r"\d", e.text) for e in chosen if set(e.intents) & DATED
    )


def institution_name(meta: Mapping[str, str]) -> str:
    """'Leiden University / LUMC (Leiden University Medical Center)' reads 'Leiden University /
    LUMC' inside the parentheses of an answer."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", meta.get("institution", "")) or meta.get(
        "institution", ""
    )
