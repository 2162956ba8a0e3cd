"""Question understanding: what is asked (intents), about which programme, for whom.

MiniLM alone does not connect "I'm from India" with "non-EEA" or "how much will it cost me" with
"tuition fee"; this module carries such cases with documented tables (the intents and the
thesaurus are data, see ``assistant/understanding/intents.py``; programme names are ``assistant/understanding/programmes.py``),
so retrieval and answer composition can prefer the sentences of the right kind and decline when
none exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.understanding.applicant import ApplicantSituation, detect_situation
from assistant.understanding.intents import FOCUS, INTENTS, INTENTS_BY_NAME, THESAURUS
from assistant.understanding.language import detect_language, to_english, unserved_language
from assistant.understanding.programmes import (
    ProgrammeNames,
    detect_programmes,
    spelled_out,
    without_names,
)
from assistant.understanding.words import GENERIC_WORDS, content_terms, stems


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_SUBJECT = _rx(
    r"\b(?:how (?:much|expensive) (?:is|are) (?:a |an |the )?|"
    r"how long does it take to (?:get|obtain|receive) (?:a |an |the |my )?|"
    r"(?:are|is) there (?:any |a |an |some )?|"
    r"do (?:you|they) (?:have|offer|provide|give) (?:any |a |an |some )?|"
    r"(?:do|does) (?!i |we )(?:[\w'-]+ ){1,3}?(?:offer|provide|guarantee|arrange)s? (?:any |a |an |some )?|"
    r"(?:(?:get|gets|getting|be|being) |(?:are|is) (?:[\w'-]+ ){0,3})(?=(?:paid|salaried|remunerated|compensated)\b))"
    r"((?:[\w'-]+ ?){1,4})"
)
_SUBJECT_END = _rx(
    r"\b(for|in|at|of|on|to|with|during|after|before|per|when|if|that|which|from|about|by|"
    r"i|i'd|i'm|you|we|they|it|or|and)\b.*"
)


def asked_subject(text: str) -> str | None:
    """The noun that 'Are there scholarships for ...?' or 'How much is a student room?' asks
    about: the last content word before the rest of the question."""
    match = _SUBJECT.search(text)
    if match is None:
        return None
    words = [
        w for w in content_terms(_SUBJECT_END.sub("", match.group(1))) if w not in GENERIC_WORDS
    ]
    return words[-1] if words else None


def detect_focus(text: str, intents: Sequence[str]) -> str | None:
    for pattern, name in FOCUS:
        if name in intents and pattern.search(text):
            return name
    return None


# Situations the documents distinguish, as the words that state them in a question or a sentence.
_NON_EEA = _rx(
    r"\bnon[- ]?(eea|eu|european)\b|\boutside (the )?(eea|eu|europe)\b|\bnot (from )?(the )?(eea|eu)\b"
)
_EEA = _rx(r"\b(eea|eu)\b|\beuropean\b")
_RESIDENT = _rx(r"\bresiden(ce|t)\b|\bliving in belgium\b|\blive in belgium\b")
_PART_TIME = _rx(r"\bpart[- ]?time\b|\bparttime\b")
_FULL_TIME = _rx(r"\bfull[- ]?time\b|\bfulltime\b")
_FOLLOW_UP = _rx(
    r"^\s*(and|also|or|but|what about|how about|and what|what if|same for|for (the )?(part|full)|"
    r"in that case|then)\b|\b(it|its|this programme|that programme|this one|that one|there|those|"
    r"none of (them|these))\b"
)


@dataclass(frozen=True)
class Query:
    """A question as understood: the text to search and what it asks, about whom."""

    text: str  # the user's words (or the rewritten standalone question)
    search_text: str  # English search text (Dutch translated, context added)
    language: str
    intents: tuple[str, ...]
    programmes: tuple[str, ...]  # document ids named or implied, best first
    citizenship: str | None = None  # "eea" | "non-eea" | "resident" (non-EEA living in Belgium)
    study_mode: str | None = None  # "full-time" | "part-time"
    situation: ApplicantSituation | None = None
    follow_up: bool = False
    focus: str | None = None  # the intent the question word asks for, if it asks several
    flemish_degree: bool | None = None
    said: str = ""  # the previous answer, when the user asks for something other than it
    subject: str | None = None  # what "is there a ...?", "how much is a ...?" asks about
    english: str = ""  # the user's words in English (Dutch translated), nothing added
    previous: str = ""  # the user's previous message in the conversation, if any
    asked: str = ""  # the question itself, when it is one of several in a message
    stems: tuple[str, ...] = field(default=(), compare=False)  # of the search text's content words


_ASKS_OTHER = _rx(r"\b(another|other|else|different|alternatives?|none of (those|these|them))\b")


# "I have a Flemish diploma" says who asks; it does not ask about the programme's diploma.
_OWN_DEGREE = _rx(
    r"\b(i have|i've got|i hold|i got|holding|my|ik heb)\s+(a|an|the|een)?\s*(\w+\s+){0,3}?"
    r"(diploma|degree|bachelor'?s?|master'?s?)(\s+(certificate|degree))*\b|"
    r"\b(flemish|belgian|dutch|foreign|international|vlaams|vlaamse)\s+(diploma|degree)(\s+(certificate|degree))*\b"
)


def detect_intents(text: str) -> tuple[str, ...]:
    found = [intent.name for intent in INTENTS if intent.asks.search(text)]
    if "degree" in found and not INTENTS_BY_NAME["degree"].asks.search(_OWN_DEGREE.sub(" ", text)):
        found.remove("degree")
    if "application_fee" in found and "fee" in found:
        found.remove("fee")
    if "teaching_language" in found and "language_requirement" in found:
        found.remove("language_requirement")
    if (
        "credits" in found
        and "fee" in found
        and not re.search(r"\b(euro|€|fee|tuition|cost)", text, re.I)
    ):
        found.remove("fee")
    return tuple(found)


def _citizenship(text: str, situation: ApplicantSituation | None) -> str | None:
    if situation is not None and situation.category:
        if situation.category.startswith("non-EEA living"):
            return "resident"
        return "non-eea" if situation.category == "non-EEA" else "eea"
    return unit_citizenship(text)


def _study_mode(text: str) -> str | None:
    if _PART_TIME.search(text):
        return "part-time"
    if _FULL_TIME.search(text):
        return "full-time"
    return None


def expand_terms(text: str) -> str:
    added = [words for pattern, words in THESAURUS if pattern.search(text)]
    return " ".join([text, *added])


@lru_cache(maxsize=1024)
def in_english(text: str, language: str) -> str:
    """The question in English search terms: Dutch and French through their glossaries."""
    if language == "nl":
        return spelled_out(to_english(text))
    if unserved_language(text) == "French":
        return spelled_out(to_english(text, "fr"))
    return spelled_out(text)


def understand(
    message: str,
    names: ProgrammeNames,
    history: Sequence[tuple[str, str]] = (),
    programme: str | None = None,
) -> Query:
    """Understand a message in the light of the conversation so far (role, content pairs)."""
    replies = [content for role, content in history if role == "assistant"]
    if replies:
        message = resolved_ordinal(message, replies[-1])
    language = detect_language(message)
    plain = in_english(message, language)
    english = expand_terms(plain)
    situation = detect_situation(message)
    asked_before = [content for role, content in history if role == "user"]
    query = Query(
        text=message,
        search_text=english,
        english=plain,
        previous=asked_before[-1] if asked_before else "",
        language=language,
        intents=detect_intents(without_names(english, names)),
        # A programme given by the page or the email yields only to a clearly named other one.
        programmes=detect_programmes(english, names, minimum=2 if programme else 1),
        citizenship=_citizenship(english, situation),
        study_mode=_study_mode(english),
        situation=situation,
    )
    query = replace(
        query,
        subject=asked_subject(english),
        focus=detect_focus(english, query.intents),
        flemish_degree=situation.flemish_degree if situation is not None else None,
    )
    previous = _previous_query(names, history)
    if previous is not None and _is_follow_up(query):
        query = _merge(query, previous)
        if replies and _ASKS_OTHER.search(message):
            query = replace(query, said=replies[-1])
    if not query.programmes and programme and programme in names.phrases:
        query = replace(query, programmes=(programme,))
    return replace(query, stems=tuple(stems(query.search_text)))


_ORDINAL = _rx(
    r"\bthe (first|second|third|fourth|fifth|last)(?: (?:one|course|track|option|item)\b|(?=\s*[?.!,]|\s*$))"
)
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_QUOTED_ITEM = re.compile(r"“([^”]{2,80})”|\b([A-Z][^\[\]“”:]{1,80}?) \([A-Z0-9]{6}\): \d+ ECTS")
_PROSE_LIST = re.compile(r"(?:\b(?:are|is|contains?|includes?|:)\s+)([^.:;]+,[^.:;]+)")


def listed_items(reply: str) -> list[str]:
    """The items a previous answer listed: its quoted items and course rows, else the items of a
    list in its prose ("contains A, B and C")."""
    quoted = [(a or b).strip() for a, b in _QUOTED_ITEM.findall(reply)]
    if len(quoted) >= 2:
        return quoted
    lists = _PROSE_LIST.findall(reply)
    if not lists:
        return []
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", max(lists, key=len))
    return [p.strip() for p in parts if p.strip()]


def resolved_ordinal(message: str, reply: str) -> str:
    """'How many credits is the first one?' after a list: the first item of that list."""
    match = _ORDINAL.search(message)
    items = listed_items(reply) if match else []
    index = _ORDINALS[match.group(1).lower()] if match else 0
    if match is None or not items or index >= len(items):
        return message
    return message[: match.start()] + items[index] + message[match.end() :]


def _previous_query(names: ProgrammeNames, history: Sequence[tuple[str, str]]) -> Query | None:
    """The conversation's standing question: the last user turns, folded oldest first."""
    users = [content for role, content in history if role == "user"][-3:]
    if not users:
        return None
    folded: Query | None = None
    for content in users:
        current = understand(content, names)
        folded = (
            current if folded is None or not _is_follow_up(current) else _merge(current, folded)
        )
    assert folded is not None
    assistant_turns = [content for role, content in history if role == "assistant"]
    if not folded.programmes and assistant_turns:
        named = detect_programmes(assistant_turns[-1], names)
        if len(named) == 1:
            folded = replace(folded, programmes=named)
    return folded


def read_after(query: Query, earlier: Query) -> Query:
    """One ask of a message read after the ask before it. "What is the fee for the Leiden
    master? And what about the Leuven BME postgraduate?": a short ask that names another
    programme and asks nothing of its own asks the same about that programme; "...for the BME
    postgraduate? And the deadline?": an ask that names no programme is about the one the ask
    before it named. An ask with a topic of its own keeps it (a message's "is there a
    scholarship?" is never read as another fee question)."""
    another = query.programmes and query.programmes != earlier.programmes
    if another and not query.intents and earlier.intents and _is_follow_up(query):
        merged = _merge(query, earlier)
        return replace(merged, stems=tuple(stems(merged.search_text)))
    if not query.programmes and len(earlier.programmes) == 1:
        return replace(query, programmes=earlier.programmes)
    return query


def _is_follow_up(query: Query) -> bool:
    if _FOLLOW_UP.search(query.search_text):
        return True
    words = content_terms(query.search_text)
    missing_topic = not query.intents or not query.programmes
    return len(words) <= 4 and missing_topic


def _merge(query: Query, previous: Query) -> Query:
    intents = query.intents or previous.intents
    if (
        query.intents
        and set(query.intents) <= {"duration", "procedure"}
        and query.focus != "procedure"
        and previous.intents
    ):
        # "and part-time?", "and if I register part-time?" name a study mode, not a new topic
        intents = previous.intents if query.study_mode else query.intents
    programmes = query.programmes or previous.programmes
    topic = " ".join(
        INTENTS_BY_NAME[name].label_en for name in intents if name not in query.intents
    )
    return replace(
        query,
        search_text=" ".join(p for p in (query.search_text, topic) if p),
        intents=intents,
        programmes=programmes,
        citizenship=_merged_citizenship(query, previous),
        study_mode=query.study_mode or previous.study_mode,
        situation=query.situation or previous.situation,
        focus=query.focus or (previous.focus if not query.intents else None),
        flemish_degree=query.flemish_degree
        if query.flemish_degree is not None
        else previous.flemish_degree,
        follow_up=True,
    )


def _merged_citizenship(query: Query, previous: Query) -> str | None:
    """'And if I live in Belgium with a residence permit?' refines an earlier non-EEA."""
    if query.citizenship is not None:
        return query.citizenship
    if _RESIDENT.search(query.search_text) and previous.citizenship in (None, "non-eea"):
        return "resident"
    return previous.citizenship


def unit_citizenship(text: str) -> str | None:
    """Which applicants a sentence is about, in the documents' own categories."""
    if _NON_EEA.search(text):
        return "resident" if _RESIDENT.search(text) else "non-eea"
    if _EEA.search(text):
        return "eea"
    return None


def about_other_applicants(query: Query, text: str) -> bool:
    """The sentence is about applicants other than the one asking (EEA vs non-EEA, living in
    Belgium or not)."""
    about = unit_citizenship(text)
    abroad = query.situation is not None and query.situation.resident_in_belgium is False
    if about == "resident" and abroad and query.citizenship != "resident":
        return True  # "I live in Chile": not the line for those living in Belgium
    return query.citizenship is not None and about is not None and about != query.citizenship
