"""Evidence -> Answer: the result type every surface uses, and the extractive composer."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant import phrases
from assistant.choice import Choice, Documents, group_of
from assistant.corpus import GENERAL, cited_text, table_cells, unit_display
from assistant.retrieval import Evidence
from assistant.selection import DATED, names_no_group
from assistant.tables import read_lists
from assistant.understanding import INTENTS_BY_NAME, Query, stems


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from one corpus document that supports the answer."""

    source: str  # document id, the file stem in corpus/
    title: str
    quote: str
    heading: str = ""


@dataclass(frozen=True)
class Answer:
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    programme: str | None = None  # id of the programme document the answer is about
    standalone_question: str = ""  # what was searched, after resolving the conversation
    language: str = "en"
    clarification: bool = False  # the text asks the user which programme they mean
    retrieved: tuple[str, ...] = field(default=(), compare=False)  # doc ids, best first
    gaps: int = 0  # questions of the message that the documents do not answer
    note: str = ""  # the last line of the text when it dates the figures ("Note: ...")
    small_talk: bool = False  # a greeting or a thank-you, answered in kind


# "[2]": a quote's number among its answer's sources, as the answer text marks it.
CITATION_MARK = re.compile(r"\[(\d+)\]")

# --- wording (the fixed phrases are in assistant/data/phrases.yaml) -------------------------------


def quote_of(item: Evidence) -> str:
    """The verbatim text cited: list markers dropped, table rows kept as they stand."""
    return cited_text(item.text)


def readable(item: Evidence) -> str:
    """How a quote reads inside the answer; a table row becomes 'Course (Code): 6 ECTS'."""
    if not item.text.startswith("|"):
        return f"“{unit_display(item.text)}”"
    cells = table_cells(item.text)
    if len(cells) == 3 and len(item.columns) == 3:
        return f"{cells[1]} ({cells[0]}): {cells[2]} {item.columns[2]}"
    return "; ".join(f"{c}: {v}" for c, v in zip(item.columns, cells, strict=False)) or " – ".join(
        cells
    )


def _label(query: Query, language: str, chosen: Sequence[Evidence] = ()) -> str:
    """What the answer is about: what the question word asks for, else what the quotes answer."""
    answered = [n for n in query.intents if any(n in e.intents for e in chosen)]
    for name in [query.focus] if query.focus else answered or query.intents:
        intent = INTENTS_BY_NAME[name]
        return intent.label_nl if language == "nl" else intent.label_en
    return ""


def _topic(query: Query, meta: Mapping[str, str], dated: bool, chosen: Sequence[Evidence]) -> str:
    label = _label(query, query.language, chosen)
    if not label:
        return phrases.ANSWERS(query.language, "general")
    year = meta.get("academic_year", "")
    key = "topic_year" if dated and year else "topic"
    return phrases.ANSWERS(query.language, key, label=label, year=year)


def _is_dated(query: Query, chosen: Sequence[Evidence]) -> bool:
    return bool(DATED & set(query.intents)) or any(
        re.search(r"\d", e.text) for e in chosen if set(e.intents) & DATED
    )


def institution_name(meta: Mapping[str, str]) -> str:
    """'Leiden University / LUMC (Leiden University Medical Center)' reads 'Leiden University /
    LUMC' inside the parentheses of an answer."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", meta.get("institution", "")) or meta.get(
        "institution", ""
    )


def _past_note(
    query: Query,
    metas: Sequence[Mapping[str, str]],
    today: dt.date,
    quoted: Sequence[Evidence] = (),
) -> str:
    """One note for the reply: the figures' academic year is over (and its dates have passed),
    or the document gives none (and a year the quotes name is over), each compared with today."""
    dates = bool(_DATES & set(query.intents))
    if any(not m.get("academic_year") for m in metas):
        years = sorted({int(y) for e in quoted for y in _YEAR.findall(e.text)})
        if years and years[-1] < today.year:
            return "\n" + phrases.ANSWERS(query.language, "undated_passed", year=str(years[-1]))
        return "\n" + phrases.ANSWERS(query.language, "undated")
    past = sorted(
        {
            m.get("academic_year", "")
            for m in metas
            if _years_past(m.get("academic_year", ""), today)
        }
    )
    if not past:
        return ""
    kind = "past_dates" if dates else "past"
    return "\n" + phrases.ANSWERS(query.language, kind, year=", ".join(past))


_DATES = frozenset({"deadline", "start", "schedule"})
_YEAR = re.compile(r"\b(20\d\d)\b")


def _years_past(year: str, today: dt.date) -> bool:
    """An academic year 'YYYY-YYYY' is over after the summer of its second calendar year."""
    match = re.match(r"(\d{4})\s*[-/]\s*(\d{2,4})", year)
    if not match:
        return False
    end = match.group(2)
    return today > dt.date(int(end) if len(end) == 4 else 2000 + int(end), 8, 31)


def _citations(
    chosen: Sequence[Evidence], documents: Mapping[str, Mapping[str, str]]
) -> tuple[Citation, ...]:
    return tuple(
        Citation(
            source=e.doc_id,
            title=documents[e.doc_id]["title"],
            quote=quote_of(e),
            heading=e.heading,
        )
        for e in chosen
    )


def _group_intro(section: str, language: str) -> str:
    """'Admission for students with a Flemish Degree' introduces its quotes as 'For students with
    a Flemish Degree:'; a heading that names its group otherwise is quoted whole."""
    named = _FOR_GROUP_NAMED.search(section)
    if named is None:
        return phrases.ANSWERS(language, "section", heading=section)
    return phrases.ANSWERS(language, "group", group=section[named.end() :])


_FOR_GROUP_NAMED = re.compile(r"\bfor\s+", re.IGNORECASE)


def _numbered(chosen: Sequence[Evidence], start: int, language: str, *, listed: bool) -> str:
    """The quotes with their citation marks. A quote from a section for one group of applicants
    says for whom it holds; with ``listed``, quotes for two groups or more are a list, a line per
    group (``chosen`` in the order of ``by_group``)."""
    as_list = listed and len({g for e in chosen if (g := group_of(e))}) >= 2
    parts: list[str] = []
    shown = ""
    for i, item in enumerate(chosen):
        group = group_of(item)
        if group and group != shown:
            intro = _group_intro(group, language)
            parts.append(f"\n- {intro}" if as_list else intro)
            shown = group
        parts.append(f"{readable(item)} [{start + i}]")
    return " ".join(parts).replace(" \n- ", "\n- ")


def _no_group(query: Query, chosen: Sequence[Evidence]) -> str:
    """' (the document does not say for which applicants)' after figures that name no group,
    when the asker named theirs."""
    return (
        " " + phrases.ANSWERS(query.language, "no_group") if names_no_group(query, chosen) else ""
    )


def _with_note(text: str, note: str) -> str:
    """The note on its own line; after a list, a paragraph of its own (not part of the last item)."""
    if note and text.rsplit("\n", 1)[-1].startswith("- "):
        return f"{text}\n{note}"
    return text + note


def _situation_clause(query: Query) -> str:
    """Say which category applied, when the user described themselves rather than named it."""
    situation = query.situation
    if situation is None or situation.category is None:
        return ""
    if situation.country is None and not situation.resident_in_belgium:
        return ""
    return situation.describe(query.language).rstrip(".") + ". "


def compose_answer(
    query: Query,
    choice: Choice,
    retrieved: tuple[str, ...],
    documents: Documents,
    today: dt.date,
    continuing: str | None = None,
) -> Answer:
    """The extractive answer: the chosen quotes, framed, cited, dated; a question back about
    which programme; or a decline.

    ``retrieved``: the documents searched, best first. ``continuing``: the programme the previous
    answer to the same message was about; an answer about it again goes on without repeating
    the programme and the applicant's situation."""
    base = Answer(
        "", False, standalone_question=query.text, language=query.language, retrieved=retrieved
    )
    if choice.ask_back:
        names = ", ".join(
            f"{documents[d]['programme'] or documents[d]['title']} ({institution_name(documents[d])})"
            for d in choice.ask_back
        )
        text = phrases.ANSWERS(
            query.language, "clarify", label=_label(query, query.language), names=names
        )
        return replace(base, text=text, clarification=True)
    if not choice.answered:
        return decline(query, documents, base)
    if len(choice.quotes) == 1:
        return _one_programme(query, *choice.quotes[0], documents, today, continuing, base)
    lines = [
        _situation_clause(query)
        + phrases.ANSWERS(query.language, "several", label=_label(query, query.language))
    ]
    chosen_all: list[Evidence] = []
    for doc_id, chosen in choice.quotes:
        meta = documents[doc_id]
        year = (
            f", {meta['academic_year']}"
            if meta.get("academic_year") and _is_dated(query, chosen)
            else ""
        )
        lines.append(
            f"- {meta['programme'] or meta['title']} ({institution_name(meta)}{year}): {_numbered(chosen, len(chosen_all) + 1, query.language, listed=False)}{_no_group(query, chosen)}"
        )
        chosen_all.extend(chosen)
    text = "\n".join(lines).strip()
    note = (
        _past_note(query, [documents[d] for d, _ in choice.quotes], today, chosen_all)
        if _is_dated(query, chosen_all)
        else ""
    )
    return replace(
        base,
        text=_with_note(text, note),
        note=note.strip(),
        answered=True,
        citations=_citations(chosen_all, documents),
    )


def _one_programme(
    query: Query,
    doc_id: str,
    chosen: Sequence[Evidence],
    documents: Documents,
    today: dt.date,
    continuing: str | None,
    base: Answer,
) -> Answer:
    """An answer from one programme's quotes, opening with the programme and what was asked."""
    meta = documents[doc_id]
    dated = _is_dated(query, chosen)
    topic = _topic(query, meta, dated, chosen)
    if doc_id == continuing:
        label = _label(query, query.language, chosen)
        intro = (
            (topic[0].upper() + topic[1:] + ":")
            if label
            else phrases.ANSWERS(query.language, "also")
        )
        situation = ""
    else:
        intro = phrases.ANSWERS(
            query.language,
            "intro",
            programme=meta["programme"] or meta["title"],
            institution=institution_name(meta),
            topic=topic,
        )
        situation = _situation_clause(query)
    quoted = _numbered(chosen, 1, query.language, listed=True) + _no_group(query, chosen)
    text = f"{situation}{intro}{'' if quoted.startswith(chr(10)) else ' '}{quoted}"
    note = _past_note(query, [meta], today, chosen) if dated else ""
    return replace(
        base,
        text=_with_note(text, note),
        note=note.strip(),
        answered=True,
        citations=_citations(chosen, documents),
        programme=doc_id,
    )


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
    label = _label(query, query.language)
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


# --- small talk ------------------------------------------------------------------------------

SMALL_TALK_FILE = "small-talk.yaml"
SMALL_TALK_WORDS = 10  # longer messages ask something
SMALL_TALK_MIN = 0.55  # cosine to the nearest greeting or thank-you
SMALL_TALK_MARGIN = 0.15  # ... above the nearest example that asks something


class SmallTalk:
    """Greetings and thanks recognised by meaning: a short message that asks for nothing the
    intents know and names no programme, closer (MiniLM) to the greetings or thank-yous of
    ``data/small-talk.yaml`` than to its examples that ask something."""

    def __init__(self, embed: Callable[[list[str]], Sequence[Sequence[float]]]) -> None:
        import numpy as np

        self._embed = embed
        examples = read_lists(SMALL_TALK_FILE)
        self._examples = {
            kind: np.asarray(embed(list(texts)), dtype=np.float32)
            for kind, texts in examples.items()
        }

    def kind(self, query: Query) -> str | None:
        """ "greeting", "thanks", or None when the message asks something."""
        text = query.english or query.text
        if query.intents or query.programmes or len(text.split()) > SMALL_TALK_WORDS:
            return None
        import numpy as np

        vector = np.asarray(self._embed([text])[0], dtype=np.float32)
        nearest = {kind: float((m @ vector).max()) for kind, m in self._examples.items()}
        kind = max(("greeting", "thanks"), key=lambda k: nearest[k])
        if nearest[kind] >= SMALL_TALK_MIN and nearest[kind] >= nearest["asks"] + SMALL_TALK_MARGIN:
            return kind
        return None


def small_talk_answer(query: Query, kind: str) -> Answer:
    """Thanks are welcomed, a greeting is returned; both offer what can be asked."""
    greeting = phrases.SMALL_TALK(query.language, "thanks" if kind == "thanks" else "hello")
    text = greeting + phrases.SMALL_TALK(query.language, "offer")
    return Answer(
        text, False, standalone_question=query.text, language=query.language, small_talk=True
    )
